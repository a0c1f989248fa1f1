using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Security;

namespace Blase.Host;

/// <summary>
/// A minimal PowerShell host: enough for Out-Default to format objects through the module's table views and for
/// scripts to write to the console. Output goes to stdout; everything else (errors, warnings, verbose, progress) to
/// stderr, so that a pipeline's data can be redirected on its own.
/// </summary>
internal sealed class ConsoleHost : PSHost
{
    private readonly ConsoleUI _ui = new();
    public override string Name => "blase";
    public override Version Version => typeof(ConsoleHost).Assembly.GetName().Version ?? new Version(0, 1);
    public override Guid InstanceId { get; } = Guid.NewGuid();
    public override PSHostUserInterface UI => _ui;
    public override CultureInfo CurrentCulture => CultureInfo.InvariantCulture;
    public override CultureInfo CurrentUICulture => CultureInfo.InvariantCulture;
    public int? ExitCode { get; private set; }
    /// <summary>Lines of error records written to stderr: more than 0 when the script wrote any error.</summary>
    public int ErrorsWritten => _ui.ErrorsWritten;
    public override void SetShouldExit(int exitCode) => ExitCode = exitCode;
    public override void EnterNestedPrompt() => throw new NotSupportedException("blase has no interactive prompt");
    public override void ExitNestedPrompt() { }
    public override void NotifyBeginApplication() { }
    public override void NotifyEndApplication() { }
}

internal sealed partial class ConsoleUI : PSHostUserInterface
{
    private readonly RawUI _raw = new();

    // Escape sequences (table-header colours) help a terminal, not a log file or a pipe.
    private static readonly bool Plain = Console.IsOutputRedirected || Environment.GetEnvironmentVariable("NO_COLOR") is not null;

    [System.Text.RegularExpressions.GeneratedRegex("\u001b\\[[0-9;]*[A-Za-z]")]
    private static partial System.Text.RegularExpressions.Regex Escape();

    private static string Out(string s) => Plain ? Escape().Replace(s, "") : s;
    public override PSHostRawUserInterface RawUI => _raw;
    public override string ReadLine() => Console.ReadLine() ?? "";
    public override SecureString ReadLineAsSecureString() => throw new NotSupportedException("blase cannot read secrets");
    public override void Write(string value) => Console.Out.Write(Out(value));
    public override void Write(ConsoleColor foregroundColor, ConsoleColor backgroundColor, string value) => Console.Out.Write(Out(value));
    public override void WriteLine(string value) => Console.Out.WriteLine(Out(value));
    public int ErrorsWritten { get; private set; }
    public override void WriteErrorLine(string value)
    {
        ErrorsWritten++;
        Console.Error.WriteLine(Out(value));
    }
    public override void WriteDebugLine(string message) => Console.Error.WriteLine("DEBUG: " + message);
    public override void WriteVerboseLine(string message) => Console.Error.WriteLine("VERBOSE: " + message);
    public override void WriteWarningLine(string message) => Console.Error.WriteLine("WARNING: " + message);
    public override void WriteInformation(InformationRecord record) => Console.Out.WriteLine(record.MessageData?.ToString());

    private long _lastProgress;
    private readonly HashSet<(long, int)> _shown = new();
    public override void WriteProgress(long sourceId, ProgressRecord record)
    {
        // One line at most every half second: enough to follow a long job in a log without flooding it;
        // "done" only for an activity that showed a line.
        long now = Environment.TickCount64;
        var key = (sourceId, record.ActivityId);
        if (record.RecordType == ProgressRecordType.Completed ? !_shown.Remove(key) : now - _lastProgress < 500) return;
        if (record.RecordType != ProgressRecordType.Completed) _shown.Add(key);
        _lastProgress = now;
        string pct = record.PercentComplete >= 0 ? $" {record.PercentComplete}%" : "";
        Console.Error.WriteLine(record.RecordType == ProgressRecordType.Completed
            ? $"PROGRESS: {record.Activity}: done"
            : $"PROGRESS: {record.Activity}: {record.StatusDescription}{pct}");
    }

    public override Dictionary<string, PSObject> Prompt(string caption, string message, System.Collections.ObjectModel.Collection<FieldDescription> descriptions) =>
        throw new NotSupportedException($"blase runs scripts without a prompt; supply the value for: {message}");
    public override int PromptForChoice(string caption, string message, System.Collections.ObjectModel.Collection<ChoiceDescription> choices, int defaultChoice) =>
        throw new NotSupportedException($"blase runs scripts without a prompt ({caption}: {message}); use -Force or -Confirm:$false");
    public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName) =>
        throw new NotSupportedException("blase cannot prompt for credentials");
    public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName, PSCredentialTypes allowedCredentialTypes, PSCredentialUIOptions options) =>
        throw new NotSupportedException("blase cannot prompt for credentials");
}

internal sealed class RawUI : PSHostRawUserInterface
{
    private static int Width()
    {
        try { return Console.IsOutputRedirected ? 160 : Math.Max(80, Console.WindowWidth); }
        catch (IOException) { return 160; }
    }

    public override ConsoleColor BackgroundColor { get; set; } = ConsoleColor.Black;
    public override ConsoleColor ForegroundColor { get; set; } = ConsoleColor.Gray;
    public override Size BufferSize { get => new(Width(), 9999); set { } }
    public override Coordinates CursorPosition { get; set; }
    public override int CursorSize { get; set; } = 1;
    public override bool KeyAvailable => false;
    public override Size MaxPhysicalWindowSize => new(Width(), 50);
    public override Size MaxWindowSize => new(Width(), 50);
    public override Coordinates WindowPosition { get; set; }
    public override Size WindowSize { get => new(Width(), 50); set { } }
    public override string WindowTitle { get; set; } = "blase";
    public override void FlushInputBuffer() { }
    public override BufferCell[,] GetBufferContents(Rectangle rectangle) => new BufferCell[0, 0];
    public override KeyInfo ReadKey(ReadKeyOptions options) => throw new NotSupportedException("blase does not read keys");
    public override void ScrollBufferContents(Rectangle source, Coordinates destination, Rectangle clip, BufferCell fill) { }
    public override void SetBufferContents(Coordinates origin, BufferCell[,] contents) { }
    public override void SetBufferContents(Rectangle rectangle, BufferCell fill) { }
}
