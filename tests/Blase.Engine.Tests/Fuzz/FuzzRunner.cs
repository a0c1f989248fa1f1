using System.Collections.Concurrent;
using System.Diagnostics;
using Xunit.Abstractions;

namespace Blase.Engine.Tests.Fuzz;

/// <summary>
/// Feeds mutants to readers and sorts each call into a read, a clear error, or a failure. A clear error is a
/// <see cref="BlaseDataException"/> or an <see cref="ArgumentException"/> whose message names the file; a failure is
/// any other exception, a call that runs past <see cref="Timeout"/> (a hang), or one that allocates more than
/// <see cref="AllocationLimit"/> (an allocation sized by a header value rather than by the file).
/// </summary>
public sealed class FuzzRunner
{
    /// <summary>
    /// Far longer than any real read of these files (milliseconds to a second), short enough to notice a hang. 20 s proved
    /// too short on a 2-core machine at a load of 10: two Payne loads (1 MB npz) in parallel fuzz jobs were reported as hangs.
    /// </summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    private readonly ConcurrentDictionary<string, ReaderStats> _stats = new();

    /// <summary>A read of the given input bytes may allocate this much: the decoded arrays are a few times the file
    /// (doubles from float32, copies per order), never hundreds of megabytes beyond it.</summary>
    public static long AllocationLimit(long inputBytes) => 64L * 1024 * 1024 + 40 * inputBytes;

    public sealed class ReaderStats
    {
        public int Inputs, Reads, ClearErrors, Unhandled;
        public double Seconds;
        public readonly Dictionary<string, (int Count, string Example)> Sites = new();
    }

    /// <summary>Runs one reader on one mutant (already written where <paramref name="path"/> says).</summary>
    public void Run(string reader, Mutant mutant, string path, long inputBytes, Func<string, object?> read, Action<object?>? check = null)
    {
        var s = _stats.GetOrAdd(reader, _ => new ReaderStats());
        string? failure = null;
        var sw = Stopwatch.StartNew();
        var task = Task.Factory.StartNew(() =>
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                var result = read(path);
                check?.Invoke(result);
                long used = GC.GetAllocatedBytesForCurrentThread() - before;
                if (used > AllocationLimit(inputBytes))
                    return ($"allocated {used / (1 << 20)} MiB for {inputBytes / 1024} KiB of input", (string?)null);
                return ((string?)null, (string?)"read");
            }
            // A clear error names the file (the mutant, or the file beside it that the reader started from: all
            // of a job's files share its folder).
            catch (BlaseDataException e) when (NamesFile(e, path)) { return (null, "error"); }
            catch (ArgumentException e) when (NamesFile(e, path)) { return (null, "error"); }
            catch (BlaseDataException e) { return ($"BlaseDataException that names no file: {e.Message}", null); }
            catch (Exception e)
            {
                long used = GC.GetAllocatedBytesForCurrentThread() - before;
                return (Site(e) + (used > AllocationLimit(inputBytes) ? $" (after allocating {used / (1 << 20)} MiB)" : ""), null);
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        string? outcome = null;
        if (!task.Wait(Timeout)) failure = $"hang: still running after {Timeout.TotalSeconds} s";
        else (failure, outcome) = task.Result;
        sw.Stop();
        lock (s)
        {
            s.Inputs++;
            s.Seconds += sw.Elapsed.TotalSeconds;
            if (failure is null)
            {
                if (outcome == "read") s.Reads++; else s.ClearErrors++;
                return;
            }
            s.Unhandled++;
            s.Sites[failure] = s.Sites.TryGetValue(failure, out var seen)
                ? (seen.Count + 1, seen.Example)
                : (1, $"{Path.GetFileName(path)}: {mutant.Description}");
        }
    }

    private static bool NamesFile(Exception e, string path) =>
        e.Message.Contains(Path.GetDirectoryName(path)!, StringComparison.Ordinal) || e.Message.Contains(Path.GetFileName(path), StringComparison.Ordinal);

    /// <summary>Where an exception came from: its type, the innermost Blase frame, and the frame that threw.</summary>
    public static string Site(Exception e)
    {
        var frames = new StackTrace(e, true).GetFrames();
        string Describe(StackFrame f)
        {
            var m = f.GetMethod();
            string line = f.GetFileLineNumber() > 0 ? $" ({Path.GetFileName(f.GetFileName())}:{f.GetFileLineNumber()})" : "";
            return $"{m?.DeclaringType?.Name}.{m?.Name}{line}";
        }
        var ours = frames.FirstOrDefault(f => f.GetMethod()?.DeclaringType?.Namespace?.StartsWith("Blase.Engine", StringComparison.Ordinal) == true
                                              && f.GetMethod()?.DeclaringType?.Namespace?.StartsWith("Blase.Engine.Tests", StringComparison.Ordinal) != true);
        string top = frames.Length > 0 ? Describe(frames[0]) : "?";
        string at = ours is null ? top : Describe(ours);
        return $"{e.GetType().Name} at {at}" + (ours is not null && ours != frames[0] ? $" (thrown in {top})" : "");
    }

    /// <summary>Prints `fuzz: N inputs, U unhandled` per reader (to the test output and the console) and returns the
    /// distinct failure sites, each with a count and one input that hits it.</summary>
    public List<string> Report(ITestOutputHelper output)
    {
        var failures = new List<string>();
        void Say(string line)
        {
            output.WriteLine(line);
            Console.WriteLine(line);
        }
        foreach (var (reader, s) in _stats.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            Say($"fuzz: {s.Inputs} inputs, {s.Unhandled} unhandled — {reader} ({s.Reads} reads, {s.ClearErrors} clear errors, {s.Seconds:F1} s)");
            foreach (var (site, (count, example)) in s.Sites.OrderByDescending(kv => kv.Value.Count))
            {
                string line = $"  {reader}: {count} × {site}; e.g. {example}";
                Say(line);
                failures.Add(line);
            }
        }
        int total = _stats.Values.Sum(s => s.Inputs), bad = _stats.Values.Sum(s => s.Unhandled);
        Say($"fuzz: {total} inputs, {bad} unhandled — all readers");
        return failures;
    }
}
