namespace Blase.Engine.IO;

/// <summary>
/// Writes a file through a temporary sibling and a rename, so that a reader never sees a half-written file and
/// a failure (an exception, a cancelled pipeline) leaves whatever was there before untouched.
/// </summary>
public static class AtomicFile
{
    public static void Write(string path, Action<Stream> write, bool overwrite = true)
    {
        string full = Path.GetFullPath(path);
        if (!overwrite && File.Exists(full)) throw new IOException($"{full} exists (use -Force to overwrite)");
        string dir = Path.GetDirectoryName(full)!;
        if (!Directory.Exists(dir)) throw new DirectoryNotFoundException($"no such folder: {dir}");
        string temp = Path.Combine(dir, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var fs = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                write(fs);
                fs.Flush(true);
            }
            File.Move(temp, full, overwrite);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }
}
