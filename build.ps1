#!/usr/bin/env pwsh
# Build / Test / Package / Bench tasks for pwsh users:  ./build.ps1 [Build|Test|Package|Bench] [-Configuration Release]
# Package writes out/Blase/: the module folder that Import-Module loads (manifest, dlls, formats, MAML help, native
# assets flat beside the dll).
[CmdletBinding()]
param(
    [Parameter(Position = 0)][ValidateSet('Build', 'Test', 'Package', 'Bench')][string]$Task = 'Build',
    [ValidateSet('Debug', 'Release')][string]$Configuration = 'Release',
    [string[]]$BenchArgs = @('read')
)
$ErrorActionPreference = 'Stop'
Set-Location $PSScriptRoot

function Invoke-Dotnet {
    & dotnet @args
    if ($LASTEXITCODE -ne 0) { throw "dotnet $($args -join ' ') failed with exit code $LASTEXITCODE" }
}

switch ($Task) {
    'Build' { Invoke-Dotnet build Blase.sln -c $Configuration }
    'Test' { Invoke-Dotnet test Blase.sln -c $Configuration }
    'Package' {
        $out = Join-Path $PSScriptRoot 'out/Blase'
        if (Test-Path $out) { Remove-Item $out -Recurse -Force }
        # The module folder is the cmdlets' publish output; the host (built beside it) writes the MAML help into it.
        $hostOut = Join-Path $PSScriptRoot 'out/host'
        Invoke-Dotnet publish src/Blase.Host -c $Configuration -o $hostOut
        Invoke-Dotnet publish src/Blase.Cmdlets -c $Configuration -o $out
        Invoke-Dotnet exec (Join-Path $hostOut 'blase.dll') --write-help (Join-Path $out 'en-US')
        # Native libraries (SkiaSharp's and HarfBuzz's, for Export-BlasePlot) must sit flat beside the dll for PowerShell to
        # load them: linux-x64 (.so), win-x64 (.dll) and macOS (.dylib; the osx folder holds universal x64 + arm64 builds).
        Get-ChildItem (Join-Path $out 'runtimes') -Recurse -File -ErrorAction Ignore |
            Where-Object { $_.FullName -match "runtimes[\\/](linux-x64|win-x64|osx|osx-x64|osx-arm64)[\\/]native" } |
            Copy-Item -Destination $out -Force
        # The flat copies are the ones PowerShell loads; the per-platform tree (for every RID, ~170 MB) is dead weight.
        Remove-Item (Join-Path $out 'runtimes') -Recurse -Force -ErrorAction Ignore
        Write-Host "Module folder: $out  (Import-Module $out/Blase.psd1)"
    }
    'Bench' { Invoke-Dotnet run -c Release --project bench/Blase.Bench -- @BenchArgs }
}
