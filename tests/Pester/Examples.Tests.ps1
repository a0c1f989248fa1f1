# Pester 5 specs: every script in examples/ runs as users run it, in a fresh pwsh with the module imported, with its
# outputs in a scratch folder and its data from ../shared/data. A script that fails (an error, a non-zero exit code)
# fails its It. New scripts are picked up by name; their parameters are filled by name (below) or left at their defaults.
BeforeDiscovery {
    $repoRoot = if ($BlaseRepoRoot) { $BlaseRepoRoot } else { Resolve-Path (Join-Path $PSScriptRoot '..' '..') }
    # examples/nightly.psd1 names its template relative to the checkout (../shared/data), as users lay it out.
    $noData = -not (Test-Path (Join-Path $repoRoot '..' 'shared' 'data'))
    $scripts = @(Get-ChildItem (Join-Path $repoRoot 'examples') -Filter *.ps1 | ForEach-Object { @{ Name = $_.Name; Path = $_.FullName } })
}

BeforeAll {
    $repoRoot = if ($BlaseRepoRoot) { $BlaseRepoRoot } else { Resolve-Path (Join-Path $PSScriptRoot '..' '..') }
    $dataRoot = Join-Path $repoRoot '..' 'shared' 'data'
    $manifest = Join-Path (Get-Module Blase).ModuleBase 'Blase.psd1'
    # What each parameter an example script may declare gets here.
    $scratch = Join-Path ([System.IO.Path]::GetTempPath()) "blase-examples-$([guid]::NewGuid())"
    $argumentFor = @{
        OutFolder       = { param($name) Join-Path $scratch $name }
        OutputDirectory = { param($name) Join-Path $scratch $name }
        Grid            = { param($name) Join-Path $dataRoot 'grids' 'PHOENIX_IGRINS_m075.hdf5' }
        # One night's file (linked, not copied): the batch's work per file is the same for three.
        Inbox           = { param($name)
            $inbox = New-Item -ItemType Directory -Path (Join-Path $scratch "$name-inbox") -Force
            $file = Join-Path $dataRoot 'hpf' 'Goldilocks_20210212T072837_v1.0_0037.spectra.fits'
            $null = New-Item -ItemType SymbolicLink -Path (Join-Path $inbox (Split-Path $file -Leaf)) -Target $file
            $inbox.FullName }
    }
}

AfterAll {
    Remove-Item -LiteralPath $scratch -Recurse -Force -ErrorAction Ignore
}

Describe 'examples/' {
    It 'runs <Name>' -ForEach $scripts -Skip:$noData {
        $parameters = (Get-Command $Path).Parameters.Keys | Where-Object { $argumentFor.ContainsKey($_) }
        $arguments = ($parameters | ForEach-Object { "-$_ '$(& $argumentFor[$_] $Name)'" }) -join ' '
        # A fresh pwsh (the one running these specs): errors stop the script, and its exit code is what a scheduler sees.
        $command = "`$ErrorActionPreference = 'Stop'; Import-Module '$manifest'; & '$Path' $arguments; if (-not `$?) { exit 1 }; exit `$(if (`$LASTEXITCODE) { `$LASTEXITCODE } else { 0 })"
        $output = & ([Environment]::ProcessPath) (Join-Path $PSHOME 'pwsh.dll') -NoProfile -NonInteractive -Command $command 2>&1
        $LASTEXITCODE | Should -Be 0 -Because ($output | Out-String)
    }
}
