using System.Management.Automation;
using System.Management.Automation.Runspaces;
using Blase.Host;

// blase: runs a PowerShell script (or a command) on the real PowerShell engine (Microsoft.PowerShell.SDK: the full
// cmdlet set, as in pwsh), hosted in this process, with the Blase module imported. For machines without pwsh,
// scheduled batch jobs and CI.
const string usage = """
usage: blase [-Verbose] [-NoProgress] <script.ps1> [arguments…]
       blase [-Verbose] [-NoProgress] -Command '<PowerShell>'
Runs the script with the Blase module imported. Output goes to stdout; errors, warnings, verbose and progress to stderr.
Exit codes, for schedulers: the script's `exit N` when N is not 0; 1 when it stops on an error or wrote any error
(even one it went on past); 130 when stopped by Ctrl+C (SIGINT); 2 for a usage error; else 0.
""";

// Build step: write the module's MAML help beside the cmdlets (see HelpWriter).
if (args.Length == 2 && args[0] == "--write-help") return HelpWriter.Write(args[1]);

bool verbose = false, progress = true;
string? command = null, script = null;
var scriptArgs = new List<string>();
for (int i = 0; i < args.Length; i++)
{
    string a = args[i];
    if (script is not null) { scriptArgs.Add(a); continue; }
    switch (a.ToLowerInvariant())
    {
        case "-verbose": verbose = true; break;
        case "-noprogress": progress = false; break;
        case "-command": case "-c":
            if (i + 1 >= args.Length) { Console.Error.WriteLine(usage); return 2; }
            command = string.Join(' ', args[(i + 1)..]);
            i = args.Length;
            break;
        case "-help": case "--help": case "-h": case "-?": Console.WriteLine(usage); return 0;
        default:
            if (a.StartsWith('-')) { Console.Error.WriteLine($"blase: unknown option {a}\n{usage}"); return 2; }
            script = a;
            break;
    }
}
if (command is null && script is null) { Console.Error.WriteLine(usage); return 2; }
if (script is not null && !File.Exists(script)) { Console.Error.WriteLine($"blase: no such script: {script}"); return 2; }

var module = Path.Combine(AppContext.BaseDirectory, "Blase.psd1");
var host = new ConsoleHost();
var iss = InitialSessionState.CreateDefault2();
iss.ImportPSModule(new[] { module });
if (verbose) iss.Variables.Add(new SessionStateVariableEntry("VerbosePreference", ActionPreference.Continue, ""));
if (!progress) iss.Variables.Add(new SessionStateVariableEntry("ProgressPreference", ActionPreference.SilentlyContinue, ""));

using var runspace = RunspaceFactory.CreateRunspace(host, iss);
runspace.Open();
using var ps = PowerShell.Create();
ps.Runspace = runspace;
var stopped = false;
Console.CancelKeyPress += (_, e) => { e.Cancel = true; stopped = true; ps.BeginStop(null, null); };

if (script is not null)
{
    ps.AddCommand(Path.GetFullPath(script));
    foreach (var a in scriptArgs) ps.AddArgument(a);
}
else
{
    ps.AddScript(command!);
}
// Errors are written by the host as they happen, in PowerShell's own words.
ps.Commands.Commands[0].MergeMyResults(PipelineResultTypes.Error, PipelineResultTypes.Output);
ps.AddCommand("Out-Default");

try
{
    ps.Invoke();
}
catch (PipelineStoppedException) when (stopped)
{
}
catch (RuntimeException e)
{
    if (stopped) return Stopped();
    Console.Error.WriteLine(e.ErrorRecord?.ToString() ?? e.Message);
    if (e.ErrorRecord?.InvocationInfo?.PositionMessage is { Length: > 0 } where) Console.Error.WriteLine(where);
    return 1;
}
if (stopped) return Stopped();
if (host.ExitCode is int code && code != 0) return code;
if (runspace.SessionStateProxy.GetVariable("LASTEXITCODE") is int lc && lc != 0) return lc;
// A scheduler reads only the exit code: an error the script went on past (a bad file in a batch) must not read as
// success. Errors the script handled itself (try/catch, -ErrorAction SilentlyContinue) were not written.
if (host.ErrorsWritten > 0)
{
    Console.Error.WriteLine("blase: exit 1: the script wrote errors (above)");
    return 1;
}
return 0;

static int Stopped()
{
    Console.Error.WriteLine("blase: stopped (Ctrl+C)");
    return 130;
}
