namespace Blase.Engine.Batch;

/// <summary>
/// Where a batch puts the files of one input in its output folder: <c>&lt;name&gt;.transfer.csv</c>, <c>.lines.csv</c>,
/// <c>.model.fits</c> and, written last, <c>&lt;name&gt;.manifest.json</c>, where &lt;name&gt; is the input's file name without
/// its extension. Beside them: <c>summary.csv</c>, <c>batch.log</c> and the folder <c>.blase</c>: the clone the recipe makes,
/// cached (<c>clone-&lt;hash&gt;.fits</c>, so it is made once per folder, not once per run or Slurm task), and the job scripts
/// of Slurm submissions (<c>slurm/&lt;time&gt;-&lt;id&gt;/</c>).
/// </summary>
public sealed class BatchLayout
{
    public const string SummaryFile = "summary.csv";
    public const string LogFile = "batch.log";
    public const string StateFolder = ".blase";

    /// <summary>The cached clone of a recipe's template, named by the hash of what makes it.</summary>
    public static string CloneCache(string outputDirectory, string cloneSha256) =>
        Path.Combine(Path.GetFullPath(outputDirectory), StateFolder, $"clone-{cloneSha256[..16]}.fits");

    /// <summary>A folder for one Slurm submission's files (job script, task script, recipe, inputs, task logs).</summary>
    public static string SlurmStage(string outputDirectory, string tag) => Path.Combine(Path.GetFullPath(outputDirectory), StateFolder, "slurm", tag);

    public BatchLayout(string outputDirectory, string input)
    {
        OutputDirectory = Path.GetFullPath(outputDirectory);
        Input = Path.GetFullPath(input);
        Name = NameOf(input);
    }

    /// <summary>The name the input's outputs share: its file name without the extension.</summary>
    public static string NameOf(string input) => Path.GetFileNameWithoutExtension(input);

    public string OutputDirectory { get; }
    public string Input { get; }
    public string Name { get; }
    public string Manifest => Path.Combine(OutputDirectory, Name + ".manifest.json");

    public string PathOf(BatchOutput output) => Path.Combine(OutputDirectory, Name + output switch
    {
        BatchOutput.Result => ".transfer.csv",
        BatchOutput.Lines => ".lines.csv",
        BatchOutput.Model => ".model.fits",
        _ => throw new ArgumentOutOfRangeException(nameof(output), output, "one output at a time"),
    });

    /// <summary>The single outputs in <paramref name="outputs"/>, in a fixed order.</summary>
    public static IEnumerable<BatchOutput> Each(BatchOutput outputs) =>
        new[] { BatchOutput.Result, BatchOutput.Lines, BatchOutput.Model }.Where(o => outputs.HasFlag(o));
}
