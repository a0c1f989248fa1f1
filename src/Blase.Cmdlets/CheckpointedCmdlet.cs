using System.Management.Automation;
using Blase.Engine.Fitting;

namespace Blase.Cmdlets;

/// <summary>
/// A cmdlet whose long fit saves checkpoints and resumes from them: -CheckpointPath, -CheckpointInterval and -Force, turned
/// into the engine's <see cref="CheckpointOptions"/> (where the defaults live). PowerShell refuses output once a pipeline is
/// stopping, so after Ctrl+C the best model so far is in the checkpoint file, not down the pipeline: <c>Import-BlaseModel</c>
/// reads it from there, and the same command with the same -CheckpointPath resumes the run.
/// </summary>
public abstract class CheckpointedCmdlet : BlaseCmdlet
{
    private bool _used;

    /// <summary>Saves the fit's state to this file every -CheckpointInterval iterations and when the fit stops early (Ctrl+C,
    /// -TimeLimit, a failure), with the best model so far, which Import-BlaseModel reads from it. When the file already holds a
    /// checkpoint of the same inputs and options, the fit resumes from it and ends as an uninterrupted run would (the same bits
    /// on the CPU); a checkpoint of another run is refused (see -Force). One input per command. None by default.</summary>
    [Parameter] public string? CheckpointPath { get; set; }

    /// <summary>Iterations (epochs, for a network) between two checkpoints. Default 10.</summary>
    [Parameter] [ValidateRange(1, 100_000_000)] public int CheckpointInterval { get; set; }

    /// <summary>Starts over, replacing the file at -CheckpointPath, instead of resuming from it (or refusing a checkpoint of another run).</summary>
    [Parameter] public SwitchParameter Force { get; set; }

    /// <summary>The checkpoint options the user asked for, or null; refuses a second input for the same file.</summary>
    protected CheckpointOptions? Checkpoint()
    {
        var bound = MyInvocation.BoundParameters;
        if (CheckpointPath is null)
        {
            if (bound.ContainsKey(nameof(CheckpointInterval))) throw new ArgumentException("-CheckpointInterval needs -CheckpointPath");
            return null;
        }
        if (_used) throw new ArgumentException($"-CheckpointPath {CheckpointPath} holds one run: this command already used it for an earlier input; give each input its own command and checkpoint");
        _used = true;
        var o = new CheckpointOptions(SessionState.Path.GetUnresolvedProviderPathFromPSPath(CheckpointPath)) { Restart = Force };
        if (bound.ContainsKey(nameof(CheckpointInterval))) o.IntervalIterations = CheckpointInterval;
        WriteVerbose(File.Exists(o.Path) && !o.Restart
            ? $"resuming from the checkpoint {o.Path} (refused if it is not one of this run; -Force starts over)"
            : $"checkpoints to {o.Path} every {o.IntervalIterations} iterations; after Ctrl+C the best model so far is there (Import-BlaseModel reads it)");
        return o;
    }
}
