using System.Collections;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using Blase.Cmdlets.Lines;
using Blase.Cmdlets.Models;
using Blase.Cmdlets.Spectra;
using Blase.Cmdlets.Transfer;
using Blase.Engine;
using Blase.Engine.Batch;
using Blase.Engine.IO;
using Blase.Engine.Lines;
using Blase.Engine.Transfer;

namespace Blase.Cmdlets.Batch;

/// <summary>Where a batch runs: here (with -ThrottleLimit workers), or as a Slurm job array.</summary>
public enum BatchScheduler
{
    Local,
    Slurm,
}

/// <summary>
/// <para type="synopsis">Reduces many spectra unattended with one recipe: idempotent, resumable, each file on its own, here or as a Slurm job array.</para>
/// <para type="description">Invoke-BlaseBatch applies a recipe (a .psd1 settings file or a hashtable: the template to clone once
/// or a saved model, how to select each input, the Invoke-BlaseTransfer parameters, which outputs) to every input file and writes,
/// per input, into -OutputDirectory: &lt;name&gt;.transfer.csv (the fit's RV, v sin i, R with their σ, χ², RMS: one row),
/// &lt;name&gt;.lines.csv (every line before and after), optionally &lt;name&gt;.model.fits, and last &lt;name&gt;.manifest.json
/// (the input's SHA-256, the recipe's hash, the outputs' SHA-256 and the result). A rerun skips an input whose manifest matches
/// the same file and recipe with intact outputs, so a batch that was killed resumes where it stopped; -Force redoes everything.
/// Every file is written atomically (never half-written). A file that cannot be reduced is a non-terminating error naming the
/// file and the reason (its manifest records the failure; failures are retried on every run) and the rest go on, so `blase`
/// exits 1 when any input failed. Each run appends a line per input to batch.log (time, input, outcome, seconds, RV ± σ or the
/// reason) and rewrites summary.csv with every input's state: a serial run, -ThrottleLimit 2 and a Slurm run of the same batch
/// write the same bytes. Output: one record per input (Reduced, Skipped or Failed), in input order. With -Scheduler Slurm the
/// inputs still to do are submitted as a job array (one task per input) whose tasks run blase on the same recipe and write the
/// same outputs; the command waits, polling scontrol (no accounting needed), and gathers the summary, or returns the job with
/// -NoWait (run the same command again later to gather; it resubmits only what is missing). The tasks run blase: the
/// blase.dll beside the module (the host's build output holds the whole module), blase on the PATH, or else the pwsh running
/// this; the cluster's nodes must see the same paths.</para>
/// </summary>
/// <example>
/// <code>Invoke-BlaseBatch -Recipe ./nightly.psd1 -Path ./hpf/Goldilocks_*.fits -OutputDirectory ./reduced -ThrottleLimit 2</code>
/// <para>Reduces the night's HPF files (the recipe as in examples/nightly.psd1) with two workers; a second run skips everything already reduced.</para>
/// </example>
/// <example>
/// <code>$recipe = @{ Template = './lte03900.dat'; TemplateSelect = @{ Wavelength = 8630, 8800 }; Clone = @{ Teff = 3900 }; Select = @{ Wavelength = 8660, 8760 }; Transfer = @{ BarycentricCorrection = 0 } }
/// Get-ChildItem ./hpf -Filter *.fits | Invoke-BlaseBatch -Recipe $recipe -OutputDirectory ./out -WhatIf</code>
/// <para>Shows which files a batch would reduce with a recipe given as a hashtable, without doing anything.</para>
/// </example>
/// <example>
/// <code>Invoke-BlaseBatch -Recipe ./nightly.psd1 -Path ./hpf/*.fits -OutputDirectory ./out -Scheduler Slurm -Partition debug -TimeLimit 00:30:00</code>
/// <para>Submits the files still to do as a Slurm job array, waits for it and writes the summary.</para>
/// </example>
[Cmdlet(VerbsLifecycle.Invoke, "BlaseBatch", SupportsShouldProcess = true, DefaultParameterSetName = "Path")]
[OutputType(typeof(BatchResult), typeof(BatchJob))]
public sealed class InvokeBlaseBatchCommand : BlaseCmdlet
{
    private readonly List<string> _inputs = new();
    private CancellationTokenSource? _cancel;
    private readonly ConcurrentDictionary<PowerShell, byte> _running = new();

    /// <summary>The recipe: a .psd1 settings file, a hashtable, or a script block that returns one (run once, before any input), with Template (a spectrum to clone) or Model (a saved line model), and optionally Telluric (a saved telluric line model), TemplateSelect, Clone, Select, Transfer (hashtables of those cmdlets' parameters) and Outputs (Result, Lines, Model).</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNull]
    public object Recipe { get; set; } = null!;

    /// <summary>Input spectra (wildcards allowed); strings or files piped in bind here.</summary>
    [Parameter(Mandatory = true, Position = 1, ParameterSetName = "Path", ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [LiteralFile]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = Array.Empty<string>();

    /// <summary>Input spectra taken as written (no wildcards); files piped from Get-ChildItem bind here by property name.</summary>
    [Parameter(Mandatory = true, ParameterSetName = "LiteralPath", ValueFromPipelineByPropertyName = true)]
    [Alias("PSPath", "LP", "FullName")]
    [ValidateNotNullOrEmpty]
    public string[] LiteralPath { get; set; } = Array.Empty<string>();

    /// <summary>The folder for the outputs, manifests, summary.csv and batch.log (created if missing).</summary>
    [Parameter(Mandatory = true)]
    [ValidateNotNullOrEmpty]
    public string OutputDirectory { get; set; } = null!;

    /// <summary>Reduce every input again, even those whose manifest says they are done.</summary>
    [Parameter] public SwitchParameter Force { get; set; }

    /// <summary>How many inputs to reduce at once on this machine (default 1); with -Scheduler Slurm, how many array tasks may run at once (default: Slurm decides). The results are the same as a serial run's.</summary>
    [Parameter] [ValidateRange(1, 1024)] public int ThrottleLimit { get; set; } = 1;

    /// <summary>The log file appended to (default: batch.log in -OutputDirectory).</summary>
    [Parameter] public string? LogPath { get; set; }

    /// <summary>The summary CSV written at the end (default: summary.csv in -OutputDirectory).</summary>
    [Parameter] public string? SummaryPath { get; set; }

    /// <summary>Local (default): reduce here. Slurm: submit the inputs still to do as a job array (sbatch) and wait for it.</summary>
    [Parameter] public BatchScheduler Scheduler { get; set; } = BatchScheduler.Local;

    /// <summary>Slurm: the partition (sbatch --partition).</summary>
    [Parameter] public string? Partition { get; set; }

    /// <summary>Slurm: each task's time limit (sbatch --time: minutes, or [D-]HH:MM:SS).</summary>
    [Parameter] public string? TimeLimit { get; set; }

    /// <summary>Slurm: more sbatch options as a hashtable, e.g. @{ mem = '4G'; account = 'astro' } (a value of $true or '' gives a bare flag).</summary>
    [Parameter] public Hashtable? SlurmOption { get; set; }

    /// <summary>Slurm: return the submitted job (its id) at once instead of waiting for it and gathering the summary.</summary>
    [Parameter] public SwitchParameter NoWait { get; set; }

    protected override void ProcessRecord()
    {
        _inputs.AddRange(ResolvePaths(ParameterSetName == "LiteralPath" ? LiteralPath : Path, ParameterSetName == "LiteralPath"));
    }

    protected override void EndProcessing()
    {
        BatchRecipe recipe;
        try
        {
            recipe = BatchRecipe.Load(Recipe, this);
        }
        catch (Exception e) when (e is ArgumentException or IOException || e is RuntimeException and not PipelineStoppedException)
        {
            ThrowTerminatingError(new ErrorRecord(e, "Blase.BadRecipe", e is FileNotFoundException ? ErrorCategory.ObjectNotFound : ErrorCategory.InvalidArgument, Recipe)
            {
                ErrorDetails = new ErrorDetails($"recipe: {e.Message}") { RecommendedAction = "Mend the recipe (see Get-Help Invoke-BlaseBatch -Full and examples/nightly.psd1)." },
            });
            return;
        }
        string outDir = SessionState.Path.GetUnresolvedProviderPathFromPSPath(OutputDirectory);
        if (!Directory.Exists(outDir) && !WhatIf) Directory.CreateDirectory(outDir);
        string log = LogPath is null ? System.IO.Path.Combine(outDir, BatchLayout.LogFile) : SessionState.Path.GetUnresolvedProviderPathFromPSPath(LogPath);
        string summary = SummaryPath is null ? System.IO.Path.Combine(outDir, BatchLayout.SummaryFile) : SessionState.Path.GetUnresolvedProviderPathFromPSPath(SummaryPath);

        // Each input once, in the order given; one name per output set.
        var inputs = _inputs.Distinct(StringComparer.Ordinal).ToList();
        var results = new BatchResult?[inputs.Count];
        var todo = new List<int>();
        var names = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        for (int i = 0; i < inputs.Count; i++)
        {
            var layout = new BatchLayout(outDir, inputs[i]);
            if (names.TryGetValue(layout.Name, out var first))
            {
                results[i] = Failed(inputs[i], "", $"its outputs would be named {layout.Name}.*, as those of {first}: give inputs distinct file names");
                continue;
            }
            names[layout.Name] = inputs[i];
            string sha;
            try { sha = FileDigest.Sha256(inputs[i]); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                results[i] = Failed(inputs[i], "", $"cannot read it: {e.Message}");
                continue;
            }
            var manifest = Force ? null : BatchManifest.Load(layout.Manifest);
            string? why = Force ? "-Force" : manifest is null ? "no manifest" : manifest.WhyRedo(layout, sha, recipe.Sha256);
            if (why is null)
            {
                manifest!.Result.Outcome = BatchOutcome.Skipped;
                manifest.Result.Seconds = 0;
                results[i] = manifest.Result;
                WriteVerbose($"{layout.Name}: skipped, reduced before from the same file and recipe ({manifest.FinishedUtc:u})");
                continue;
            }
            if (!ShouldProcess(inputs[i], Scheduler == BatchScheduler.Slurm ? $"Reduce in a Slurm job into {outDir} ({why})" : $"Reduce into {outDir} ({why})")) continue;
            todo.Add(i);
        }
        if (WhatIf) return;
        foreach (var r in results) if (r is not null) Log(log, r); // skipped and refused inputs: every input has its line

        if (Scheduler == BatchScheduler.Slurm && todo.Count > 0)
        {
            if (!RunSlurm(recipe, inputs, todo, results, outDir, log)) return;
        }
        else if (todo.Count > 0)
        {
            RunLocal(recipe, inputs, todo, results, outDir, log);
        }
        else WriteVerbose("nothing to do: every input is reduced");
        Finish(inputs, results, summary);
    }

    private bool WhatIf => MyInvocation.BoundParameters.TryGetValue("WhatIf", out var w) && w is SwitchParameter { IsPresent: true };

    /// <summary>Writes the summary of every input, the records in input order, and an error per failed input.</summary>
    private void Finish(List<string> inputs, BatchResult?[] results, string summary)
    {
        var done = results.Where(r => r is not null).Select(r => r!).ToList();
        if (done.Count > 0) LineListWriter.Write(done.Select(r => r.ToSummaryRow()).ToList(), summary);
        foreach (var r in done)
        {
            if (r.Outcome == BatchOutcome.Failed)
                WriteError(new ErrorRecord(new BlaseDataException(r.Reason, r.Path), "Blase.BatchInputFailed", ErrorCategory.InvalidData, r.Path)
                {
                    ErrorDetails = new ErrorDetails($"{r.Input}: not reduced: {r.Reason}")
                    {
                        RecommendedAction = "Mend or remove the file and run the batch again (failed inputs are retried; reduced ones are skipped).",
                    },
                });
            WriteObject(r);
        }
        int failed = done.Count(r => r.Outcome == BatchOutcome.Failed);
        WriteVerbose($"{done.Count(r => r.Outcome == BatchOutcome.Reduced)} reduced, {done.Count(r => r.Outcome == BatchOutcome.Skipped)} skipped, {failed} failed of {inputs.Count}; summary: {summary}");
    }

    /// <summary>Appends the input's line to the log; a log that cannot be written is a warning, not a failed input.</summary>
    private void Log(string log, BatchResult r)
    {
        try { BatchLog.Append(log, r); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { WriteWarning($"cannot append to the log {log}: {e.Message}"); }
    }

    private static BatchResult Failed(string input, string sha, string reason) => new()
    {
        Input = System.IO.Path.GetFileName(input), Path = System.IO.Path.GetFullPath(input), Outcome = BatchOutcome.Failed, Reason = reason, InputSha256 = sha,
    };

    // ---- here -------------------------------------------------------------------------------------------------------

    private void RunLocal(BatchRecipe recipe, List<string> inputs, List<int> todo, BatchResult?[] results, string outDir, string log)
    {
        _cancel = new CancellationTokenSource();
        var progress = new ProgressRecord(7, "Invoke-BlaseBatch", $"{todo.Count} to reduce") { PercentComplete = 0 };
        WriteProgress(progress);
        using var pool = Pool(ThrottleLimit);
        var model = PrepareModel(recipe, outDir, pool, progress);
        if (model is null || !LoadTelluric(recipe, out var telluric)) return;

        var finished = new BlockingCollection<(int Index, BatchResult Result, string[] Warnings)>();
        var worker = Task.Run(() =>
        {
            try
            {
                Parallel.ForEach(todo, new ParallelOptions { MaxDegreeOfParallelism = ThrottleLimit, CancellationToken = _cancel.Token }, i =>
                {
                    var (r, warnings) = Reduce(recipe, model, telluric, pool, inputs[i], outDir);
                    finished.Add((i, r, warnings));
                });
            }
            catch (Exception) when (_cancel.IsCancellationRequested) { } // stopped (Ctrl+C): what finished is recorded
            finally { finished.CompleteAdding(); }
        });

        var clock = Stopwatch.StartNew();
        int count = 0, failed = 0;
        foreach (var (i, r, warnings) in finished.GetConsumingEnumerable())
        {
            results[i] = r;
            count++;
            if (r.Outcome == BatchOutcome.Failed) failed++;
            foreach (var w in warnings) WriteWarning($"{r.Input}: {w}");
            WriteVerbose(r.ToString());
            Log(log, r);
            double eta = clock.Elapsed.TotalSeconds / count * (todo.Count - count);
            progress.StatusDescription = $"{count} of {todo.Count} done ({failed} failed); last: {r.Input} {r.Outcome}";
            progress.PercentComplete = 100 * count / todo.Count;
            progress.SecondsRemaining = (int)Math.Ceiling(eta);
            WriteProgress(progress);
        }
        worker.Wait();
        if (_cancel.IsCancellationRequested) throw new PipelineStoppedException();
        progress.RecordType = ProgressRecordType.Completed;
        WriteProgress(progress);
    }

    /// <summary>Runspaces for the cmdlets the recipe's sections are splatted onto, one per worker.</summary>
    private static RunspacePool Pool(int size)
    {
        var iss = InitialSessionState.CreateDefault2();
        foreach (var (name, type) in new[]
                 {
                     ("Import-BlaseSpectrum", typeof(ImportBlaseSpectrumCommand)), ("Select-BlaseSpectrum", typeof(SelectBlaseSpectrumCommand)),
                     ("Invoke-BlaseClone", typeof(InvokeBlaseCloneCommand)), ("Import-BlaseModel", typeof(ImportBlaseModelCommand)),
                     ("Invoke-BlaseTransfer", typeof(InvokeBlaseTransferCommand)),
                 })
            iss.Commands.Add(new SessionStateCmdletEntry(name, type, null));
        var pool = RunspaceFactory.CreateRunspacePool(iss);
        pool.SetMaxRunspaces(size);
        pool.Open();
        return pool;
    }

    /// <summary>
    /// The line model every input is fitted with: the recipe's Model, or its Template cloned once per output folder and kept in
    /// .blase (a rerun, a resumed run and every Slurm task read the same file: the same model, bit for bit, without cloning
    /// again). Null after a terminating error.
    /// </summary>
    private LineModel? PrepareModel(BatchRecipe recipe, string outDir, RunspacePool pool, ProgressRecord progress)
    {
        string cache = BatchLayout.CloneCache(outDir, recipe.CloneSha256);
        try
        {
            using var ps = PowerShell.Create();
            ps.RunspacePool = pool;
            if (recipe.ModelPath is not null)
                ps.AddCommand("Import-BlaseModel").AddParameter("LiteralPath", recipe.ModelPath).AddParameter("ErrorAction", "Stop");
            else if (File.Exists(cache))
            {
                try { return LineModelFile.Load(cache); }
                catch (BlaseDataException e) { WriteVerbose($"the cached clone {cache} is unreadable ({e.Problem}): cloning again"); }
            }
            if (ps.Commands.Commands.Count == 0)
            {
                progress.StatusDescription = $"cloning {System.IO.Path.GetFileName(recipe.TemplatePath)}";
                WriteProgress(progress);
                ps.AddCommand("Import-BlaseSpectrum").AddParameter("LiteralPath", recipe.TemplatePath).AddParameter("ErrorAction", "Stop");
                if (recipe.TemplateSelect.Count > 0) ps.AddCommand("Select-BlaseSpectrum").AddParameters(recipe.TemplateSelect).AddParameter("ErrorAction", "Stop");
                ps.AddCommand("Invoke-BlaseClone").AddParameters(recipe.Clone).AddParameter("ErrorAction", "Stop");
            }
            var models = ps.Invoke().Select(o => o.BaseObject).OfType<LineModel>().ToList();
            if (models.Count != 1) throw new RuntimeException($"the template gave {models.Count} line models; a recipe needs one (a one-spectrum template file)");
            if (recipe.ModelPath is not null) return models[0];
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(cache)!);
            LineModelFile.Save(models[0], cache);
            WriteVerbose($"cloned the template: {models[0].Count} lines, kept in {cache}");
            // Every run fits the model as read back, so the first run and later ones start from the same bits.
            return LineModelFile.Load(cache);
        }
        catch (RuntimeException e) when (e is not PipelineStoppedException)
        {
            ThrowTerminatingError(new ErrorRecord(e.ErrorRecord?.Exception ?? e, "Blase.BadTemplate", ErrorCategory.InvalidData, recipe.TemplatePath ?? recipe.ModelPath)
            {
                ErrorDetails = new ErrorDetails($"recipe: the template could not be {(recipe.TemplatePath is null ? "loaded" : "cloned")}: {Reason(e)}")
                {
                    RecommendedAction = "Check the recipe's Template/Model and its TemplateSelect and Clone settings with Invoke-BlaseClone by hand.",
                },
            });
            return null;
        }
    }

    /// <summary>The recipe's telluric model, read once (none without a Telluric key); false, with a terminating error, when it cannot be read.</summary>
    private bool LoadTelluric(BatchRecipe recipe, out LineModel? telluric)
    {
        telluric = null;
        if (recipe.TelluricPath is null) return true;
        try
        {
            telluric = LineModelFile.Load(recipe.TelluricPath);
            WriteVerbose($"telluric model: {telluric.Count} lines from {recipe.TelluricPath}");
            return true;
        }
        catch (BlaseDataException e)
        {
            ThrowTerminatingError(new ErrorRecord(e, "Blase.BadTelluric", ErrorCategory.InvalidData, recipe.TelluricPath)
            {
                ErrorDetails = new ErrorDetails($"recipe: the telluric model could not be read: {e.Message}")
                {
                    RecommendedAction = "Check the recipe's Telluric file with Import-BlaseModel; save a telluric clone with Save-BlaseModel.",
                },
            });
            return false;
        }
    }

    /// <summary>One input, start to end, on a worker thread: fit, outputs, manifest last. Never throws (but for cancellation).</summary>
    private (BatchResult, string[]) Reduce(BatchRecipe recipe, LineModel model, LineModel? telluric, RunspacePool pool, string input, string outDir)
    {
        var layout = new BatchLayout(outDir, input);
        var clock = Stopwatch.StartNew();
        string sha = "";
        using var ps = PowerShell.Create();
        ps.RunspacePool = pool;
        _running[ps] = 0;
        try
        {
            sha = FileDigest.Sha256(input);
            ps.AddCommand("Import-BlaseSpectrum").AddParameter("LiteralPath", input).AddParameter("ErrorAction", "Stop");
            if (recipe.Select.Count > 0) ps.AddCommand("Select-BlaseSpectrum").AddParameters(recipe.Select).AddParameter("ErrorAction", "Stop");
            ps.AddCommand("Invoke-BlaseTransfer").AddParameter("Model", model).AddParameters(recipe.Transfer).AddParameter("ErrorAction", "Stop");
            if (telluric is not null) ps.AddParameter("Telluric", telluric);
            var fits = ps.Invoke().Select(o => o.BaseObject).OfType<TransferResult>().ToList();
            _cancel!.Token.ThrowIfCancellationRequested();
            if (fits.Count != 1)
                throw new BlaseDataException(fits.Count == 0 ? "nothing to fit: the recipe's Select left no spectrum" : $"it holds {fits.Count} spectra; a batch reduces one per file");
            var fit = fits[0];

            var written = new Dictionary<string, string>();
            foreach (var output in BatchLayout.Each(recipe.Outputs))
            {
                string file = layout.PathOf(output);
                switch (output)
                {
                    case BatchOutput.Result: LineListWriter.Write(new[] { TransferSummary.From(fit) }, file); break;
                    case BatchOutput.Lines: LineListWriter.Write(fit.LineChanges().ToList(), file); break;
                    case BatchOutput.Model: LineModelFile.Save(fit.Model, file); break;
                }
                written[System.IO.Path.GetFileName(file)] = FileDigest.Sha256(file);
            }
            var result = new BatchResult
            {
                Input = System.IO.Path.GetFileName(input), Path = layout.Input, Outcome = BatchOutcome.Reduced, Seconds = clock.Elapsed.TotalSeconds,
                RadialVelocityKms = fit.RadialVelocity, RadialVelocityErrorKms = fit.RadialVelocityError, BarycentricRadialVelocityKms = fit.BarycentricRadialVelocity,
                VsiniKms = fit.Vsini, VsiniErrorKms = fit.VsiniError, ReducedChiSquare = fit.ReducedChiSquare, ResidualRms = fit.ResidualRms,
                Converged = fit.Converged, Outputs = string.Join(' ', written.Keys), InputSha256 = sha,
            };
            Record(layout, result, recipe, written);
            return (result, ps.Streams.Warning.Select(w => w.Message).ToArray());
        }
        catch (Exception e) when (e is not OperationCanceledException && !(e is PipelineStoppedException && _cancel!.IsCancellationRequested))
        {
            var result = Failed(input, sha, Reason(e));
            result.Seconds = clock.Elapsed.TotalSeconds;
            try { Record(layout, result, recipe, new Dictionary<string, string>()); }
            catch (Exception) { } // the failure is reported all the same; without its manifest it is redone, as a failure is anyway
            return (result, Array.Empty<string>());
        }
        finally
        {
            _running.TryRemove(ps, out _);
        }
    }

    private static void Record(BatchLayout layout, BatchResult result, BatchRecipe recipe, Dictionary<string, string> outputs) =>
        new BatchManifest
        {
            InputSha256 = result.InputSha256, RecipeSha256 = recipe.Sha256, Outputs = outputs, FinishedUtc = DateTime.UtcNow,
            BlaseVersion = typeof(BatchManifest).Assembly.GetName().Version?.ToString() ?? "", Result = result,
        }.Save(layout.Manifest);

    /// <summary>Why an input failed, in words that do not depend on where it lies (a rerun and a Slurm task say the same).</summary>
    private static string Reason(Exception e)
    {
        var inner = e is RuntimeException { ErrorRecord.Exception: { } x } && x != e ? x : e;
        if (inner is ActionPreferenceStopException { ErrorRecord.Exception: { } y }) inner = y;
        return inner switch
        {
            BlaseDataException b => b.Problem,
            ParameterBindingException p => $"the recipe's parameters do not bind: {p.Message}",
            _ => inner.Message,
        };
    }

    protected override void StopProcessing()
    {
        _cancel?.Cancel();
        foreach (var ps in _running.Keys) ps.BeginStop(null, null);
    }

    // ---- Slurm ------------------------------------------------------------------------------------------------------

    /// <summary>Submits the inputs still to do as a job array and (unless -NoWait) waits and gathers; false when nothing more is to be written.</summary>
    private bool RunSlurm(BatchRecipe recipe, List<string> inputs, List<int> todo, BatchResult?[] results, string outDir, string log)
    {
        if (!SlurmJob.Available)
        {
            ThrowTerminatingError(new ErrorRecord(new InvalidOperationException("sbatch is not on the PATH: Slurm is not installed here"), "Blase.NoSlurm",
                ErrorCategory.ResourceUnavailable, "sbatch")
            {
                ErrorDetails = new ErrorDetails("-Scheduler Slurm needs Slurm's sbatch and scontrol on the PATH")
                {
                    RecommendedAction = "Run it on a Slurm login node, or leave out -Scheduler to reduce here.",
                },
            });
        }
        var submitted = DateTime.UtcNow;
        string tag = $"{submitted:yyyyMMdd'T'HHmmss}-{Guid.NewGuid().ToString("N")[..8]}";
        string stage = BatchLayout.SlurmStage(outDir, tag);
        // Clone once here, so that no task clones (they read the cached clone).
        using (var pool = Pool(1))
            if (PrepareModel(recipe, outDir, pool, new ProgressRecord(7, "Invoke-BlaseBatch", "preparing the model")) is null || !LoadTelluric(recipe, out _)) return false;
        Directory.CreateDirectory(stage);
        string recipeFile = System.IO.Path.Combine(stage, "recipe.psd1");
        string inputList = System.IO.Path.Combine(stage, "inputs.txt");
        string taskScript = System.IO.Path.Combine(stage, "task.ps1");
        string jobScript = System.IO.Path.Combine(stage, "job.sh");
        AtomicFile.Write(recipeFile, s => s.Write(System.Text.Encoding.UTF8.GetBytes(recipe.ToPsd1())));
        AtomicFile.Write(inputList, s => s.Write(System.Text.Encoding.UTF8.GetBytes(string.Join('\n', todo.Select(i => inputs[i])) + "\n")));
        string module = System.IO.Path.Combine(System.IO.Path.GetDirectoryName(typeof(InvokeBlaseBatchCommand).Assembly.Location)!, "Blase.psd1");
        string Q(string s) => "'" + s.Replace("'", "''") + "'";
        // The task reduces its one input with the same recipe into the same folder (and log); its summary goes beside it.
        string task = $$"""
            # Task of a Slurm job array written by Invoke-BlaseBatch: reduce input number $Task of inputs.txt.
            param([int]$Task)
            if (-not (Get-Command Invoke-BlaseBatch -ErrorAction Ignore)) { Import-Module {{Q(module)}} -ErrorAction Stop }
            $inputs = @(Get-Content -LiteralPath {{Q(inputList)}})
            $r = @(Invoke-BlaseBatch -Recipe {{Q(recipeFile)}} -LiteralPath $inputs[$Task] -OutputDirectory {{Q(outDir)}} -LogPath {{Q(log)}} -SummaryPath (Join-Path {{Q(stage)}} "task-$Task.csv"){{(Force ? " -Force" : "")}})
            if (@($r | Where-Object Outcome -eq 'Failed').Count -gt 0) { exit 1 }

            """;
        AtomicFile.Write(taskScript, s => s.Write(System.Text.Encoding.UTF8.GetBytes(task)));
        var options = new List<KeyValuePair<string, string>>();
        if (Partition is not null) options.Add(new("partition", Partition));
        if (TimeLimit is not null) options.Add(new("time", TimeLimit));
        foreach (DictionaryEntry e in SlurmOption ?? new Hashtable())
        {
            object? v = e.Value is PSObject p ? p.BaseObject : e.Value;
            options.Add(new(e.Key.ToString()!, v is true or SwitchParameter { IsPresent: true } ? "" : Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture) ?? ""));
        }
        var command = TaskHost.Command().Append(taskScript).ToList();
        string script = SlurmJob.Script("blase-batch", todo.Count, MyInvocation.BoundParameters.ContainsKey(nameof(ThrottleLimit)) ? ThrottleLimit : null,
            System.IO.Path.Combine(stage, "task-%a.out"), options, command);
        AtomicFile.Write(jobScript, s => s.Write(System.Text.Encoding.UTF8.GetBytes(script)));

        // What each input's manifest was before the job: a task that ends without writing one leaves it as it was.
        var before = todo.ToDictionary(i => i, i => BatchManifest.Load(new BatchLayout(outDir, inputs[i]).Manifest)?.FinishedUtc);
        SlurmJob job;
        try
        {
            job = SlurmJob.Submit(jobScript, todo.Count);
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            ThrowTerminatingError(new ErrorRecord(e, "Blase.SubmitFailed", ErrorCategory.ResourceUnavailable, jobScript)
            {
                ErrorDetails = new ErrorDetails($"the job array was not submitted: {e.Message}") { RecommendedAction = $"Check the Slurm options; the job script is {jobScript}." },
            });
            return false;
        }
        WriteVerbose($"submitted Slurm job {job.Id}: {todo.Count} tasks; job script {jobScript}");
        if (NoWait)
        {
            WriteObject(new BatchJob(job.Id, todo.Count, outDir, jobScript, submitted));
            return false;
        }

        var progress = new ProgressRecord(7, "Invoke-BlaseBatch", $"Slurm job {job.Id}: submitted");
        IReadOnlyList<SlurmTaskState> states;
        while (true)
        {
            states = job.Tasks();
            int finished = states.Count(s => s.Finished);
            progress.StatusDescription = $"Slurm job {job.Id}: {finished} of {todo.Count} tasks finished, {states.Count(s => s.State == "RUNNING")} running";
            progress.PercentComplete = 100 * finished / todo.Count;
            WriteProgress(progress);
            if (finished == todo.Count || states.All(s => s.State == "UNKNOWN")) break;
            Thread.Sleep(TimeSpan.FromSeconds(2));
            if (Stopping) return false;
        }
        progress.RecordType = ProgressRecordType.Completed;
        WriteProgress(progress);

        for (int t = 0; t < todo.Count; t++)
        {
            int i = todo[t];
            var layout = new BatchLayout(outDir, inputs[i]);
            var manifest = BatchManifest.Load(layout.Manifest);
            // Judged by the manifest the task wrote (not by clocks, which may differ between nodes): a new one for this recipe.
            if (manifest is not null && manifest.FinishedUtc != before[i] && manifest.RecipeSha256 == recipe.Sha256)
                results[i] = manifest.Result;
            else
            {
                var s = states[t];
                results[i] = Failed(inputs[i], "", $"Slurm task {t} of job {job.Id} ended {s.State} (exit {s.ExitCode}{(s.Reason is "" or "None" ? "" : ", " + s.Reason)}) " +
                                                   $"without recording a result; see {System.IO.Path.Combine(stage, $"task-{t}.out")}");
                Log(log, results[i]!);
            }
        }
        return true;
    }
}
