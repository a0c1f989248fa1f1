using Blase.Engine.IO;
using Blase.Engine.IO.Fits;

namespace Blase.Engine.Tests;

/// <summary>Every file Blase writes appears whole or not at all (issue 11, atomic outputs).</summary>
public class AtomicFileTests
{
    private static string[] Others(TempDir dir, string keep) =>
        Directory.GetFiles(dir.Path).Select(Path.GetFileName).Where(f => f != keep).ToArray()!;

    [Fact]
    public void A_write_that_fails_midway_keeps_the_old_file_and_leaves_no_temporary_file()
    {
        using var dir = new TempDir();
        string path = dir.File("out.dat");
        File.WriteAllText(path, "the old contents");

        var e = Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(path, s =>
        {
            s.Write(new byte[100_000]); // well under way…
            throw new InvalidOperationException("the writer failed");
        }));

        Assert.Equal("the writer failed", e.Message);
        Assert.Equal("the old contents", File.ReadAllText(path));
        Assert.Empty(Others(dir, "out.dat"));
    }

    [Fact]
    public void A_FITS_write_that_fails_after_its_first_HDU_keeps_the_old_file()
    {
        using var dir = new TempDir();
        string path = dir.File("model.fits");
        var old = new FitsHdu[] { new FitsImage(new double[] { 1, 2, 3 }, new[] { 3 }) };
        FitsFile.Write(path, old);
        var before = File.ReadAllBytes(path);

        // The primary HDU is written to the stream before the second fails to encode (1.5 in a 16-bit integer image).
        var bad = new FitsHdu[] { new FitsImage(new double[] { 4, 5 }, new[] { 2 }), new FitsImage(new[] { 1.5 }, new[] { 1 }, 16) };
        Assert.Throws<ArgumentException>(() => FitsFile.Write(path, bad));

        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal(new double[] { 1, 2, 3 }, ((FitsImage)FitsFile.Read(path)[0]).Data);
        Assert.Empty(Others(dir, "model.fits"));
    }

    [Fact]
    public void Without_overwrite_an_existing_file_is_kept()
    {
        using var dir = new TempDir();
        string path = dir.File("out.dat");
        File.WriteAllText(path, "the old contents");

        Assert.Throws<IOException>(() => AtomicFile.Write(path, s => s.Write("new"u8), overwrite: false));

        Assert.Equal("the old contents", File.ReadAllText(path));
        Assert.Empty(Others(dir, "out.dat"));
    }

    [Fact]
    public void A_temporary_file_left_by_a_killed_writer_is_removed_by_the_next_write_but_not_one_in_progress()
    {
        using var dir = new TempDir();
        string path = dir.File("out.dat");
        // A killed process runs no finally: its temporary file stays. int.MaxValue is above any pid_max, so no such process lives.
        string stale = dir.File($".out.dat.{int.MaxValue}.{Guid.NewGuid():N}.tmp");
        string live = dir.File($".out.dat.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        File.WriteAllText(stale, "half a file");
        File.WriteAllText(live, "a write in progress in this process");

        AtomicFile.Write(path, s => s.Write("whole"u8));

        Assert.Equal("whole", File.ReadAllText(path));
        Assert.False(File.Exists(stale));
        Assert.True(File.Exists(live));
    }
}
