using System.Globalization;
using System.Text;

namespace Blase.Engine.Batch;

/// <summary>
/// The batch's log file: one tab-separated line per input and run, appended: UTC time, input, outcome, seconds, and the
/// RV ± σ (km/s) or the reason it failed. Each line goes out in one append, so the tasks of a Slurm job array can share
/// the file (appends of a line are not interleaved on a local or NFS-mounted disk with O_APPEND).
/// </summary>
public static class BatchLog
{
    public static void Append(string path, BatchResult r)
    {
        string what = r.Outcome == BatchOutcome.Failed
            ? r.Reason.ReplaceLineEndings(" ")
            : string.Create(CultureInfo.InvariantCulture, $"RV {r.RadialVelocityKms:F4} ± {r.RadialVelocityErrorKms:F4} km/s");
        string line = string.Create(CultureInfo.InvariantCulture,
            $"{DateTime.UtcNow:yyyy-MM-ddTHH:mm:ss.fffZ}\t{r.Input}\t{r.Outcome}\t{r.Seconds:F2}\t{what}\n");
        var bytes = Encoding.UTF8.GetBytes(line);
        using var fs = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
        fs.Write(bytes, 0, bytes.Length);
    }
}
