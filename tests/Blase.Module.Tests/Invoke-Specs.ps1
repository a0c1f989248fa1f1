# Runs the Pester 5 specs in tests/Pester under real Pester in this (real) pwsh, with the built Blase module imported,
# and writes one JSON record per It (and per spec file that failed outside its Its) for the xunit cases in
# PesterSpecs.cs. With -DiscoverOnly the Its are found but not run (Pester's Run.SkipRun).
param(
    [Parameter(Mandatory)][string]$PesterManifest,
    [Parameter(Mandatory)][string]$ModuleManifest,
    [Parameter(Mandatory)][string[]]$Path,
    [Parameter(Mandatory)][string]$ResultPath,
    [string]$DataRoot,
    [string]$RepoRoot,
    [switch]$DiscoverOnly
)
$ErrorActionPreference = 'Stop'
$PSStyle.OutputRendering = 'PlainText'
Import-Module $PesterManifest -RequiredVersion 5.7.1
Import-Module $ModuleManifest
# Specs compute these themselves when run by hand with Invoke-Pester; here they come from the test host.
$global:BlaseDataRoot = if ($DataRoot) { $DataRoot } else { $null }
$global:BlaseRepoRoot = $RepoRoot

$config = New-PesterConfiguration
$config.Run.Path = $Path
$config.Run.PassThru = $true
$config.Run.SkipRun = [bool]$DiscoverOnly
$config.Output.Verbosity = if ($DiscoverOnly) { 'None' } else { 'Detailed' }
$config.Should.ErrorAction = 'Stop'
$run = Invoke-Pester -Configuration $config

function Get-Message($records) {
    (@($records) | Where-Object { $_ } | ForEach-Object {
        $text = [string]$_.Exception.Message
        if ($_.ScriptStackTrace) { $text += "`n" + $_.ScriptStackTrace }
        $text
    }) -join "`n"
}

# The It's blocks and name, with <Key> filled from its -ForEach/-TestCases data (as Pester shows it after the run;
# discovery knows only the template).
function Get-TestName($test) {
    $name = $test.Path -join ' > '
    if ($test.Data -is [System.Collections.IDictionary]) {
        foreach ($key in $test.Data.Keys) { $name = $name.Replace("<$key>", [string]$test.Data[$key]) }
    }
    $name
}

function Get-BlockErrors($block) {
    @($block.ErrorRecord) + @($block.Blocks | ForEach-Object { Get-BlockErrors $_ })
}

# One record per spec file: it fails when the file could not be discovered or a BeforeAll/AfterAll outside the Its failed.
$records = @(foreach ($container in $run.Containers) {
    $errors = @(@($container.ErrorRecord) + @($container.Blocks | ForEach-Object { Get-BlockErrors $_ }) | Where-Object { $_ })
    # Pester marks the file Failed when an It failed too; that failure is the It's own case.
    $file = [System.IO.Path]::GetFileName([string]$container.Item)
    $testFailed = @($run.Tests | Where-Object { $_.Result -eq 'Failed' -and [System.IO.Path]::GetFileName([string]$_.ScriptBlock.File) -eq $file }).Count -gt 0
    [pscustomobject]@{
        File = $file
        Name = '(spec file)'
        Result = if ($errors.Count -gt 0 -or ($container.Result -eq 'Failed' -and -not $testFailed)) { 'Failed' } else { 'Passed' }
        Message = if ($errors.Count -gt 0) { Get-Message $errors } elseif (-not $testFailed) { "Pester reports the file as $($container.Result)" } else { '' }
        Duration = $container.Duration.TotalSeconds
    }
})
$records += @($run.Tests | ForEach-Object {
    $test = $_
    $message = Get-Message $test.ErrorRecord
    if (-not $message -and $test.Result -notin 'Passed', 'Skipped') {
        # An It that did not run because its block's setup failed: the block holds the error.
        for ($b = $test.Block; $b -and -not $message; $b = $b.Parent) { $message = Get-Message $b.ErrorRecord }
    }
    [pscustomobject]@{
        File = [System.IO.Path]::GetFileName([string]$test.ScriptBlock.File)
        Name = Get-TestName $test
        Result = if ($DiscoverOnly -and $test.Skip) { 'Skipped' } else { [string]$test.Result }
        Message = [string]$message
        Duration = $test.Duration.TotalSeconds
    }
})
ConvertTo-Json -InputObject $records -Depth 3 | Set-Content -LiteralPath $ResultPath -Encoding utf8
