using System.Management.Automation;

namespace Blase.Cmdlets.Completion;

/// <summary>The files and folders completers look at: a path as typed (a string, or the first of several), resolved against
/// the current directory; searches are bounded so that a tab press never walks a whole disk.</summary>
internal static class CompletionPaths
{
    private const int MaxFiles = 20000;

    public static string? Text(object? bound) => (bound is PSObject p ? p.BaseObject : bound) switch
    {
        string s => s,
        object[] { Length: > 0 } a => Text(a[0]),
        FileSystemInfo f => f.FullName,
        _ => null,
    };

    public static string? Folder(object? bound) =>
        Text(bound) is string s && Directory.Exists(Path.GetFullPath(s)) ? Path.GetFullPath(s) : null;

    public static string? File(object? bound) =>
        Text(bound) is string s && System.IO.File.Exists(Path.GetFullPath(s)) ? Path.GetFullPath(s) : null;

    public static IEnumerable<string> Files(string root, string pattern)
    {
        try { return Directory.EnumerateFiles(root, pattern, SearchOption.AllDirectories).Take(MaxFiles).ToList(); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return Array.Empty<string>(); }
    }
}
