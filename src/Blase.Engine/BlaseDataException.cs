namespace Blase.Engine;

/// <summary>
/// Input that cannot be used as it is: a truncated file, a wavelength axis that goes backwards, arrays of
/// different lengths. The message says what is wrong and where, so that a user can mend the file.
/// </summary>
public class BlaseDataException : Exception
{
    public BlaseDataException(string message, string? path = null, Exception? inner = null)
        : base(path is null ? message : $"{path}: {message}", inner)
    {
        Path = path;
        Problem = message;
    }

    /// <summary>The file the problem was found in, when there is one.</summary>
    public string? Path { get; }

    /// <summary>The problem without the path.</summary>
    public string Problem { get; }
}
