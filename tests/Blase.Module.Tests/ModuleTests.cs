namespace Blase.Module.Tests;

/// <summary>The module as PowerShell sees it: exported commands, verbs, help.</summary>
public class ModuleTests
{
    [Fact]
    public void Every_command_uses_an_approved_verb_and_has_help_with_examples()
    {
        using var s = new PowerShellSession();
        var (cmds, errors) = s.Run("Get-Command -Module Blase | ForEach-Object { $_.Name }");
        Assert.Empty(errors);
        var names = cmds.Select(c => c.ToString()).ToList();
        Assert.Contains("Import-BlaseSpectrum", names);
        Assert.Contains("Get-BlaseDevice", names);
        var (verbs, _) = s.Run("[System.Management.Automation.VerbsCommon].GetFields() + [System.Management.Automation.VerbsData].GetFields() + [System.Management.Automation.VerbsLifecycle].GetFields() + [System.Management.Automation.VerbsDiagnostic].GetFields() + [System.Management.Automation.VerbsCommunications].GetFields() + [System.Management.Automation.VerbsSecurity].GetFields() + [System.Management.Automation.VerbsOther].GetFields() | ForEach-Object { $_.GetValue($null) }");
        var approved = verbs.Select(v => v.ToString()).ToHashSet();
        foreach (var n in names) Assert.Contains(n.Split('-')[0], approved);
        foreach (var n in names)
        {
            var (help, _) = s.Run($"$h = Get-Help {n} -Full; [pscustomobject]@{{ Synopsis = [string]$h.Synopsis; Examples = @($h.examples.example | Where-Object {{ $_ }}).Count }}");
            var h = Assert.Single(help);
            Assert.False(string.IsNullOrWhiteSpace((string)h.Properties["Synopsis"].Value), $"{n} has no synopsis");
            Assert.True((int)h.Properties["Examples"].Value > 0, $"{n} has no examples");
        }
    }
}
