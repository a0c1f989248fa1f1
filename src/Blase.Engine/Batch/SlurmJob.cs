using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Blase.Engine.Batch;

/// <summary>One array task of a Slurm job as <c>scontrol show job</c> reports it (no accounting database needed).</summary>
public sealed record SlurmTaskState(int Task, string State, string ExitCode, string Reason)
{
    /// <summary>States after which a task does nothing more (Slurm's job_state_string; everything else is still on its way).</summary>
    private static readonly HashSet<string> Terminal = new(StringComparer.Ordinal)
    {
        "COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL", "PREEMPTED", "BOOT_FAIL", "DEADLINE", "OUT_OF_MEMORY", "SPECIAL_EXIT",
    };

    public bool Finished => Terminal.Contains(State);
    public bool Succeeded => State == "COMPLETED";
}

/// <summary>
/// A Slurm job array, driven through Slurm's own commands: <c>sbatch --parsable</c> submits a job script, and
/// <c>scontrol -o show job</c> reads its tasks' states (it needs no accounting storage, unlike sacct; finished tasks stay
/// visible for the cluster's MinJobAge). Slurm is the scheduler here, not something Blase reimplements.
/// </summary>
public sealed class SlurmJob
{
    private SlurmJob(string id, int tasks)
    {
        Id = id;
        TaskCount = tasks;
    }

    public string Id { get; }
    public int TaskCount { get; }

    /// <summary>True when <c>sbatch</c> is on the PATH.</summary>
    public static bool Available => FindOnPath("sbatch") is not null;

    public static string? FindOnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
        .Select(d => Path.Combine(d, program)).FirstOrDefault(File.Exists);

    /// <summary>
    /// The job script of an array of <paramref name="tasks"/> tasks: #SBATCH lines (name, array, per-task output file, and
    /// the caller's options, e.g. partition=debug, time=10), then <paramref name="command"/> with the task index appended.
    /// </summary>
    public static string Script(string name, int tasks, int? concurrent, string outputPattern, IEnumerable<KeyValuePair<string, string>> options, IReadOnlyList<string> command)
    {
        var s = new StringBuilder("#!/bin/bash\n");
        s.Append($"#SBATCH --job-name={name}\n");
        s.Append(CultureInfo.InvariantCulture, $"#SBATCH --array=0-{tasks - 1}{(concurrent is int c ? $"%{c}" : "")}\n");
        s.Append($"#SBATCH --output={outputPattern}\n");
        foreach (var (key, value) in options)
            s.Append($"#SBATCH --{key}{(value.Length > 0 ? "=" + value : "")}\n");
        s.Append("set -u\n");
        s.Append("exec ").Append(string.Join(' ', command.Select(ShellQuote))).Append(" \"$SLURM_ARRAY_TASK_ID\"\n");
        return s.ToString();
    }

    /// <summary>Submits the script with sbatch and returns the job.</summary>
    public static SlurmJob Submit(string script, int tasks)
    {
        var (code, output, error) = Run("sbatch", "--parsable", script);
        if (code != 0) throw new InvalidOperationException($"sbatch failed (exit {code}): {error.Trim()}{output.Trim()}");
        // --parsable prints "<job id>" or "<job id>;<cluster>".
        string id = output.Trim().Split(';')[0];
        if (id.Length == 0 || !id.All(char.IsAsciiDigit)) throw new InvalidOperationException($"sbatch printed no job id: '{output.Trim()}'");
        return new SlurmJob(id, tasks);
    }

    /// <summary>
    /// The state of every task, from <c>scontrol -o show job</c>: a task not yet started is listed in its array's pending record
    /// (ArrayTaskId=3-5 or 3,5,7). A job that scontrol no longer knows (purged after MinJobAge) reads as finished with state
    /// UNKNOWN; the caller then judges by the outputs.
    /// </summary>
    public IReadOnlyList<SlurmTaskState> Tasks()
    {
        var (code, output, error) = Run("scontrol", "-o", "show", "job", Id);
        var states = new Dictionary<int, SlurmTaskState>();
        if (code != 0)
        {
            if (error.Contains("Invalid job id", StringComparison.OrdinalIgnoreCase))
                return Enumerable.Range(0, TaskCount).Select(t => new SlurmTaskState(t, "UNKNOWN", "", "the job is no longer known to scontrol")).ToList();
            throw new InvalidOperationException($"scontrol show job {Id} failed (exit {code}): {error.Trim()}");
        }
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var f = Fields(line);
            if (!f.TryGetValue("JobState", out var state)) continue;
            f.TryGetValue("ExitCode", out var exit);
            f.TryGetValue("Reason", out var reason);
            foreach (int t in TaskIndices(f.GetValueOrDefault("ArrayTaskId") ?? "0"))
                states[t] = new SlurmTaskState(t, state, exit ?? "", reason ?? "");
        }
        // A task in neither record has not been listed yet: still pending.
        return Enumerable.Range(0, TaskCount).Select(t => states.GetValueOrDefault(t) ?? new SlurmTaskState(t, "PENDING", "", "")).ToList();
    }

    private static Dictionary<string, string> Fields(string line)
    {
        var d = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var token in line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            int eq = token.IndexOf('=');
            if (eq > 0 && !d.ContainsKey(token[..eq])) d[token[..eq]] = token[(eq + 1)..];
        }
        return d;
    }

    /// <summary>"4", "3-5", "1,3,7-9", with an optional "%N" concurrency suffix.</summary>
    internal static IEnumerable<int> TaskIndices(string spec)
    {
        int pct = spec.IndexOf('%');
        if (pct >= 0) spec = spec[..pct];
        foreach (var part in spec.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var ends = part.Split('-');
            if (ends.Length == 2 && int.TryParse(ends[0], out int a) && int.TryParse(ends[1], out int b))
                for (int t = a; t <= b; t++) yield return t;
            else if (int.TryParse(part, out int one)) yield return one;
        }
    }

    private static (int Code, string Output, string Error) Run(string program, params string[] args)
    {
        var psi = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {program}");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(60_000)) { p.Kill(true); throw new TimeoutException($"{program} did not answer in 60 s"); }
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>A word for bash: single-quoted, with embedded quotes closed and escaped.</summary>
    public static string ShellQuote(string word) => "'" + word.Replace("'", "'\\''") + "'";
}
