using System.Reflection;

namespace Blase.Cmdlets.Batch;

/// <summary>
/// The program each Slurm task runs its share with: <c>blase</c> wherever it can be found, else the pwsh that runs this
/// batch. In order: the current process when it is blase (`dotnet blase.dll` or the blase executable); blase.dll beside
/// the module (the host's build output, e.g. src/Blase.Host/bin/Release/net10.0, holds the whole module); blase on the
/// PATH; the current pwsh (a packaged module imported into pwsh: out/Blase has no blase). Compute nodes must see the same
/// paths (a shared file system), as for any Slurm job.
/// </summary>
internal static class TaskHost
{
    /// <summary>The command line, to which the task script and the task index are appended.</summary>
    public static IReadOnlyList<string> Command()
    {
        string? process = Environment.ProcessPath;
        string? entry = Assembly.GetEntryAssembly()?.Location;
        bool viaDotnet = process is not null && Path.GetFileNameWithoutExtension(process).Equals("dotnet", StringComparison.OrdinalIgnoreCase);
        string dotnet = viaDotnet ? process! : Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } h ? h : "dotnet";
        string Name(string? p) => Path.GetFileNameWithoutExtension(p ?? "").ToLowerInvariant();

        if (Name(entry) == "blase")
            return viaDotnet ? new[] { dotnet, entry!, "-NoProgress" } : new[] { process!, "-NoProgress" };
        string beside = Path.Combine(Path.GetDirectoryName(typeof(TaskHost).Assembly.Location)!, "blase.dll");
        if (File.Exists(beside)) return new[] { dotnet, beside, "-NoProgress" };
        if (Blase.Engine.Batch.SlurmJob.FindOnPath("blase") is { } onPath) return new[] { onPath, "-NoProgress" };
        if (Name(entry) == "pwsh")
        {
            var args = new[] { "-NoProfile", "-NonInteractive", "-File" };
            return viaDotnet ? new[] { dotnet, entry! }.Concat(args).ToArray() : new[] { process! }.Concat(args).ToArray();
        }
        throw new InvalidOperationException("cannot find a program for the Slurm tasks: no blase.dll beside the module, no blase on the PATH, " +
                                            "and this is not pwsh; run the batch under blase or pwsh (see Get-Help Invoke-BlaseBatch)");
    }
}
