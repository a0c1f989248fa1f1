namespace Blase.Engine.Batch;

/// <summary>
/// A batch submitted to Slurm and not waited for (Invoke-BlaseBatch -NoWait): the job id to follow with squeue or scontrol,
/// how many inputs it reduces, where. Running the same Invoke-BlaseBatch again (without -Scheduler, or with it) gathers
/// the summary, redoing only what is missing.
/// </summary>
public sealed record BatchJob(string JobId, int Tasks, string OutputDirectory, string JobScript, DateTime SubmittedUtc);
