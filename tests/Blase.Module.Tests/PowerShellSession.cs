using System.Collections.ObjectModel;
using System.Management.Automation;
using System.Management.Automation.Runspaces;

namespace Blase.Module.Tests;

/// <summary>A runspace on the real PowerShell engine (Microsoft.PowerShell.SDK 7.6.9) with the built Blase module imported, as `blase` runs it.</summary>
public sealed class PowerShellSession : IDisposable
{
    private readonly Runspace _runspace;

    public PowerShellSession()
    {
        var iss = InitialSessionState.CreateDefault2();
        iss.ImportPSModule(new[] { ModulePath });
        _runspace = RunspaceFactory.CreateRunspace(iss);
        _runspace.Open();
    }

    public static string ModulePath => Path.Combine(AppContext.BaseDirectory, "Blase.psd1");

    public static string? DataRoot => TestPaths.DataRoot;
    public static string RepoRoot => TestPaths.RepoRoot;

    /// <summary>Runs a script; returns its output and the errors it wrote (terminating errors throw).</summary>
    public (Collection<PSObject> Output, IReadOnlyList<ErrorRecord> Errors) Run(string script, IDictionary<string, object?>? variables = null)
    {
        using var ps = PowerShell.Create();
        ps.Runspace = _runspace;
        foreach (var (k, v) in variables ?? new Dictionary<string, object?>()) _runspace.SessionStateProxy.SetVariable(k, v);
        ps.AddScript(script);
        var output = ps.Invoke();
        return (output, ps.Streams.Error.ToList());
    }

    public void Dispose() => _runspace.Dispose();
}
