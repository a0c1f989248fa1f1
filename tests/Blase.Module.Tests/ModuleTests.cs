namespace Blase.Module.Tests;

/// <summary>The module as PowerShell sees it: exported commands, verbs, help.</summary>
public class ModuleTests
{
    [Fact]
    public void Every_command_uses_an_approved_verb_and_has_help_with_two_examples_and_every_parameter_described()
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
            var (help, _) = s.Run($"$h = Get-Help {n} -Full; [pscustomobject]@{{ Synopsis = [string]$h.Synopsis; Examples = @($h.examples.example | Where-Object {{ $_ }}).Count; Undescribed = @($h.parameters.parameter | Where-Object {{ -not ($_.description | Out-String).Trim() }} | ForEach-Object name) -join ', ' }}");
            var h = Assert.Single(help);
            Assert.False(string.IsNullOrWhiteSpace((string)h.Properties["Synopsis"].Value), $"{n} has no synopsis");
            Assert.True((int)h.Properties["Examples"].Value >= 2, $"{n} has {h.Properties["Examples"].Value} example(s), not 2");
            Assert.True((string)h.Properties["Undescribed"].Value == "", $"{n}: no description for {h.Properties["Undescribed"].Value}");
        }
    }

    /// <summary>Every default table view fits an 80-column console: column widths plus one space between columns.</summary>
    [Fact]
    public void Every_table_view_fits_80_columns()
    {
        var doc = System.Xml.Linq.XDocument.Load(Path.Combine(PowerShellSession.RepoRoot, "Blase.format.ps1xml"));
        var views = doc.Descendants("View").Where(v => v.Element("TableControl") is not null).ToList();
        Assert.Contains(views, v => (string?)v.Element("Name") == "Blase.TransferResult");
        foreach (var v in views)
        {
            var widths = v.Descendants("TableColumnHeader").Select(h => (int?)h.Element("Width") ?? 10).ToList();
            int total = widths.Sum() + widths.Count - 1;
            Assert.True(total <= 80, $"{(string?)v.Element("Name")} is {total} columns wide");
        }
    }
}
