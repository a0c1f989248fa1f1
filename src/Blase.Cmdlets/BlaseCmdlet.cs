using System.Management.Automation;
using Blase.Engine;

namespace Blase.Cmdlets;

/// <summary>What every Blase cmdlet shares: resolving paths the PowerShell way and turning engine exceptions into ErrorRecords.</summary>
public abstract class BlaseCmdlet : PSCmdlet
{
    /// <summary>
    /// Resolves -Path (wildcards) or -LiteralPath to file-system paths. A path that matches nothing (a missing file, or a
    /// wildcard that matches no file) is a non-terminating error, so the rest of a batch goes on.
    /// </summary>
    protected IEnumerable<string> ResolvePaths(IEnumerable<string> paths, bool literal)
    {
        foreach (var p in paths)
        {
            List<string> found;
            try
            {
                found = literal
                    ? new List<string> { SessionState.Path.GetUnresolvedProviderPathFromPSPath(p) }
                    : GetResolvedProviderPathFromPSPath(p, out _).ToList();
            }
            catch (ItemNotFoundException e)
            {
                WriteError(new ErrorRecord(new FileNotFoundException($"no such file: {p}", p, e), "PathNotFound", ErrorCategory.ObjectNotFound, p)
                {
                    ErrorDetails = new ErrorDetails($"no such file: {p}") { RecommendedAction = "Check the path and the wildcard pattern." },
                });
                continue;
            }
            if (found.Count == 0)
            {
                WriteError(new ErrorRecord(new FileNotFoundException($"no file matches {p}", p), "PathNotFound", ErrorCategory.ObjectNotFound, p)
                {
                    ErrorDetails = new ErrorDetails($"no file matches {p}") { RecommendedAction = "Check the path and the wildcard pattern; use -LiteralPath for a name with [ ] in it." },
                });
                continue;
            }
            foreach (var f in found) yield return f;
        }
    }

    private readonly HashSet<string> _written = new(StringComparer.Ordinal);

    /// <summary>
    /// The common shape of every file write: -WhatIf/-Confirm, no overwrite without -Force, an atomic write by
    /// <paramref name="write"/>, the new file down the pipeline, and a non-terminating error if it fails.
    /// </summary>
    protected void WriteFile(string target, string action, bool force, Action<string> write)
    {
        // One file holds one object: a second object piped to the same -Path would replace the first (with -Force) or
        // fail as "exists", so it is refused, saying what to do.
        if (_written.Contains(target))
        {
            var e = new ArgumentException($"{target} already holds an earlier input of this command: one file per object; give each its own -Path");
            WriteError(new ErrorRecord(e, "Blase.OneFilePerObject", ErrorCategory.InvalidArgument, target)
            {
                ErrorDetails = new ErrorDetails(e.Message)
                {
                    RecommendedAction = "Write each to its own file, e.g. ForEach-Object { $_ | <command> -Path \"$($_.Name).fits\" }" +
                                        " (Export-BlaseSpectrum -Path <folder> names the files itself).",
                },
            });
            return;
        }
        if (!ShouldProcess(target, action)) return;
        try
        {
            if (File.Exists(target) && !force) throw new IOException($"{target} exists (use -Force to overwrite)");
            write(target);
            _written.Add(target);
            WriteVerbose($"{action}: {target}");
            WriteObject(new FileInfo(target));
        }
        catch (Exception e) when (e is not PipelineStoppedException)
        {
            WriteError(ErrorFor(e, target));
        }
    }

    /// <summary>
    /// Refuses a file name whose extension does not name one of <paramref name="formats"/> (extension → what is written),
    /// so that a file's name never misstates its content. Returns false, after a non-terminating error, when refused.
    /// </summary>
    protected bool CheckExtension(string path, string what, params (string Extension, string Format)[] formats)
    {
        string ext = System.IO.Path.GetExtension(path).ToLowerInvariant();
        if (formats.Any(f => f.Extension == ext)) return true;
        string known = string.Join(", ", formats.Select(f => $"{f.Extension} ({f.Format})"));
        var e = new ArgumentException($"{what}: cannot write '{(ext.Length > 0 ? ext : "no extension")}'; the extension decides the format: {known}");
        WriteError(new ErrorRecord(e, "Blase.UnsupportedExtension", ErrorCategory.InvalidArgument, path)
        {
            ErrorDetails = new ErrorDetails(e.Message) { RecommendedAction = $"Name the file with one of: {string.Join(", ", formats.Select(f => f.Extension))}." },
        });
        return false;
    }

    /// <summary>
    /// Runs a selection a parameter asked for (orders, a wavelength range). When nothing in the data matches, the engine
    /// says so about the data (BlaseDataException), but it is the argument the user should change: the error becomes an
    /// ArgumentException naming the parameter, so its category is InvalidArgument, not InvalidData.
    /// </summary>
    protected static T ForArgument<T>(string parameter, Func<T> select)
    {
        try
        {
            return select();
        }
        catch (BlaseDataException e)
        {
            throw new ArgumentException($"-{parameter}: {e.Message}", e);
        }
    }

    /// <summary>An ErrorRecord that says what went wrong, with what, and what to do about it.</summary>
    protected static ErrorRecord ErrorFor(Exception e, object? target)
    {
        var (id, category, action) = e switch
        {
            FileNotFoundException => ("FileNotFound", ErrorCategory.ObjectNotFound, "Check the path."),
            DirectoryNotFoundException => ("FolderNotFound", ErrorCategory.ObjectNotFound, "Check the folder exists."),
            BlaseDataException => ("InvalidData", ErrorCategory.InvalidData, "Check the input the message names (a file: complete, and of a format Blase reads, see Get-Help Import-BlaseSpectrum)."),
            UnauthorizedAccessException => ("AccessDenied", ErrorCategory.PermissionDenied, "Check the file's permissions."),
            IOException => ("IOError", ErrorCategory.WriteError, "Use -Force to overwrite, or choose another path."),
            ArgumentException => ("InvalidArgument", ErrorCategory.InvalidArgument, "Check the parameter values."),
            OperationCanceledException => ("Cancelled", ErrorCategory.OperationStopped, "Run it again to finish."),
            DeviceUnavailableException => ("DeviceUnavailable", ErrorCategory.ResourceUnavailable, "Use -Device Cpu, or -Device Auto (a CUDA GPU when one works, else the CPU); Get-BlaseDevice -Verbose says why no GPU was found."),
            InvalidOperationException => ("InvalidOperation", ErrorCategory.InvalidOperation, "See the message."),
            _ => ("Failed", ErrorCategory.NotSpecified, "See the message; report it if it looks like a bug."),
        };
        return new ErrorRecord(e, "Blase." + id, category, target)
        {
            ErrorDetails = new ErrorDetails(e.Message) { RecommendedAction = action },
        };
    }
}
