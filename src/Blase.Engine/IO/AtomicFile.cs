using System.Diagnostics;

namespace Blase.Engine.IO;

/// <summary>
/// Writes a file through a temporary sibling and a rename, so that a reader never sees a half-written file and
/// a failure (an exception, a cancelled pipeline) leaves whatever was there before untouched. Every file Blase
/// writes goes through here.
/// </summary>
public static class AtomicFile
{
    public static void Write(string path, Action<Stream> write, bool overwrite = true)
    {
        string full = Path.GetFullPath(path);
        if (!overwrite && File.Exists(full)) throw new IOException($"{full} exists (use -Force to overwrite)");
        string dir = Path.GetDirectoryName(full)!;
        if (!Directory.Exists(dir)) throw new DirectoryNotFoundException($"no such folder: {dir}");
        string name = Path.GetFileName(full);
        RemoveStale(dir, name);
        // The process id in the name tells a later write whether the writer is still alive (see RemoveStale).
        string temp = Path.Combine(dir, $".{name}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var fs = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                write(fs);
                fs.Flush(true);
            }
            // Without overwrite this fails if the file appeared meanwhile, so -NoClobber holds even in a race.
            File.Move(temp, full, overwrite);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    /// <summary>
    /// A writer that was killed (no finally runs) leaves its temporary file behind. The next write of the same file
    /// removes those whose process is gone; a temporary file of a live process may be a write in progress and is left.
    /// </summary>
    private static void RemoveStale(string dir, string name)
    {
        foreach (var file in Directory.EnumerateFiles(dir, $".{name}.*.tmp"))
        {
            var parts = Path.GetFileName(file)[(name.Length + 2)..^4].Split('.');
            if (parts.Length != 2 || !int.TryParse(parts[0], out int pid) || IsAlive(pid)) continue;
            try { File.Delete(file); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { } // another process got there first, or cannot: harmless
        }
    }

    private static bool IsAlive(int pid)
    {
        if (pid == Environment.ProcessId) return true;
        try
        {
            using var p = Process.GetProcessById(pid);
            return !p.HasExited;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException) { return false; }
    }
}
