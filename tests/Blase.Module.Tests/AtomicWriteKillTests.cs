using System.Diagnostics;
using Blase.Engine.IO;

namespace Blase.Module.Tests;

/// <summary>
/// Issue 11, atomic outputs: a process killed while writing leaves the old file whole, and the temporary file it could
/// not remove is removed by the next write of the same file. The writer is a real `blase` process, killed from outside.
/// </summary>
public class AtomicWriteKillTests
{
    [Fact]
    public void A_writer_killed_midway_leaves_the_old_file_whole_and_the_next_write_removes_its_temporary_file()
    {
        string dir = Directory.CreateTempSubdirectory("atomic-kill-").FullName;
        try
        {
            string target = Path.Combine(dir, "out.dat");
            File.WriteAllText(target, "the old contents");

            // A write through AtomicFile that does not end by itself in time (64 KiB every 20 ms, flushed, so the disk sees it
            // grow): the test kills it. It gives up after two minutes (≤ 400 MB), so an orphan cannot fill the disk.
            string script = $"$buf = [byte[]]::new(65536); $end = [DateTime]::UtcNow.AddMinutes(2); [Blase.Engine.IO.AtomicFile]::Write('{target}', [Action[IO.Stream]]{{ param($s) " +
                            "while ([DateTime]::UtcNow -lt $end) { $s.Write($buf, 0, $buf.Length); $s.Flush(); [Threading.Thread]::Sleep(20) }; throw 'not killed' })";
            var psi = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "blase.dll"));
            psi.ArgumentList.Add("-Command");
            psi.ArgumentList.Add(script);
            using var writer = Process.Start(psi)!;
            string? temp = null;
            try
            {
                // Kill it once half a megabyte of the new file is on disk.
                var clock = Stopwatch.StartNew();
                while (clock.Elapsed < TimeSpan.FromSeconds(60) && !writer.HasExited)
                {
                    temp = Directory.GetFiles(dir, ".out.dat.*.tmp").FirstOrDefault();
                    if (temp is not null && new FileInfo(temp).Length > 1 << 19) break;
                    Thread.Sleep(50);
                }
                if (writer.HasExited) Assert.Fail($"the writer stopped by itself: {writer.StandardError.ReadToEnd()}");
                Assert.NotNull(temp);
            }
            finally
            {
                if (!writer.HasExited) writer.Kill(entireProcessTree: true);
                writer.WaitForExit(30_000);
            }

            // Killed: no finally ran, so the half-written temporary file is still there; the file itself is untouched.
            Assert.Equal("the old contents", File.ReadAllText(target));
            Assert.True(File.Exists(temp));

            // The next write finds the writer gone, removes its leftover and puts the new file in place.
            AtomicFile.Write(target, s => s.Write("the new contents"u8));
            Assert.Equal("the new contents", File.ReadAllText(target));
            Assert.Equal(new[] { "out.dat" }, Directory.GetFiles(dir).Select(Path.GetFileName));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
