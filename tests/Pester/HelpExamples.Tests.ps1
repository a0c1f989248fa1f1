# Pester 5 specs: every example in Get-Help of every cmdlet the module exports runs as a user would paste it, each in
# a fresh runspace (the module imported, $ErrorActionPreference = 'Stop', Set-StrictMode -Version 1 so a variable the
# example never set is an error) with a fresh scratch folder as its current location. Any error fails its It.
#
# The sandbox each example starts in (made at test time, nothing committed; data linked from ../shared/data):
#   hpf/ grids/ payne/ telluric/ igrins/   the data folders as they are
#   phoenix/                               the PHOENIX files, laid out as a PHOENIX library folder: the WAVE file beside
#                                          Z-0.0/lte05800-4.50-0.0.PHOENIX-ACES-AGSS-COND-2011-HiRes.fits (the 5000-8000 A cut)
#   sun.fits, sun_normalized.fits          the 5800 K PHOENIX cut (5000-8000 A) and its normalized version, with
#                                          the PHOENIX WAVE files beside them (as PHOENIX's downloads lay them out)
#   lte03900.dat                           the 3900 K PHOENIX Z-band sample (text)
#   nightly.psd1                           examples/nightly.psd1 with lte03900.blase.fits as its Model (no Template to clone)
#   lte03900.blase.fits                    a clone of the 3900 K Z-band template, 8640-8790 A (Invoke-BlaseClone -Teff 3900)
#   sun.blase.fits                         a clone of the 5800 K template, 6100-6200 A
#   igrins-emulator.hdf5                   New-BlaseEmulator of grids/PHOENIX_IGRINS_m075.hdf5, saved
#   stars.csv                              two rows of Teff, LogG, Metallicity inside the IGRINS grid
# Examples that submit to Slurm are skipped only where sbatch is absent and BLASE_REQUIRE_SLURM is not 1 (as CI sets).
BeforeDiscovery {
    $repoRoot = if ($BlaseRepoRoot) { $BlaseRepoRoot } else { Resolve-Path (Join-Path $PSScriptRoot '..' '..') }
    $dataRoot = if ($BlaseDataRoot) { $BlaseDataRoot } else { Join-Path $repoRoot '..' 'shared' 'data' }
    $noData = -not (Test-Path $dataRoot)
    $noSlurm = -not (Get-Command sbatch -ErrorAction Ignore) -and $env:BLASE_REQUIRE_SLURM -ne '1'
    $examples = @(foreach ($command in Get-Command -Module Blase -CommandType Cmdlet | Sort-Object Name) {
        $number = 0
        foreach ($example in (Get-Help $command.Name -Full).examples.example) {
            $number++
            $code = ([string]$example.code).Trim()
            @{ Command = $command.Name; Number = $number; Code = $code; Slurm = $code -match '-Scheduler\s+Slurm' }
        }
    })
}

BeforeAll {
    $repoRoot = if ($BlaseRepoRoot) { $BlaseRepoRoot } else { Resolve-Path (Join-Path $PSScriptRoot '..' '..') }
    $dataRoot = if ($BlaseDataRoot) { $BlaseDataRoot } else { Join-Path $repoRoot '..' 'shared' 'data' }
    $manifest = Join-Path (Get-Module Blase).ModuleBase 'Blase.psd1'
    $scratch = Join-Path ([System.IO.Path]::GetTempPath()) "blase-help-examples-$([guid]::NewGuid())"
    $sandbox = New-Item -ItemType Directory -Path (Join-Path $scratch 'sandbox')

    function New-Link([string]$Path, [string]$Target) { $null = New-Item -ItemType SymbolicLink -Path $Path -Target $Target }
    foreach ($folder in 'hpf', 'grids', 'payne', 'telluric', 'igrins') { New-Link (Join-Path $sandbox $folder) (Join-Path $dataRoot $folder) }
    $phoenix = New-Item -ItemType Directory -Path (Join-Path $sandbox 'phoenix')
    Get-ChildItem (Join-Path $dataRoot 'phoenix') -File | ForEach-Object { New-Link (Join-Path $phoenix $_.Name) $_.FullName }
    $null = New-Item -ItemType Directory -Path (Join-Path $phoenix 'Z-0.0')
    New-Link (Join-Path $phoenix 'Z-0.0' 'lte05800-4.50-0.0.PHOENIX-ACES-AGSS-COND-2011-HiRes.fits') (Join-Path $phoenix 'lte05800-4.50-0.0.PHOENIX-ACES-AGSS-COND-2011-HiRes_5000-8000A.fits')

    $sun = 'lte05800-4.50-0.0.PHOENIX-ACES-AGSS-COND-2011-HiRes_5000-8000A'
    New-Link (Join-Path $sandbox 'sun.fits') (Join-Path $phoenix "$sun.fits")
    New-Link (Join-Path $sandbox 'sun_normalized.fits') (Join-Path $phoenix "${sun}_normalized.fits")
    Get-ChildItem (Join-Path $phoenix 'WAVE_*.fits') | ForEach-Object { New-Link (Join-Path $sandbox $_.Name) $_.FullName }
    New-Link (Join-Path $sandbox 'lte03900.dat') (Join-Path $phoenix 'Z_band_test_sample_lte03900-PHOENIX-ACES.dat')
    # The recipe names the sandbox's saved clone as its Model (Template, TemplateSelect and Clone dropped): cloning is
    # Invoke-BlaseClone's example, and each batch example would otherwise spend most of its minute on it.
    (Get-Content -Raw (Join-Path $repoRoot 'examples' 'nightly.psd1')) -replace '(?m)^\s*Template\s*=.*$', "    Model = '$(Join-Path $sandbox 'lte03900.blase.fits')'" -replace '(?m)^\s*(TemplateSelect|Clone)\s*=.*$\r?\n', '' |
        Set-Content -LiteralPath (Join-Path $sandbox 'nightly.psd1')

    Import-BlaseSpectrum (Join-Path $phoenix 'Z_band_test_sample_lte03900-PHOENIX-ACES.dat') -Wavelength 8640, 8790 |
        Invoke-BlaseClone -Teff 3900 | Save-BlaseModel -Path (Join-Path $sandbox 'lte03900.blase.fits')
    Import-BlaseSpectrum (Join-Path $phoenix 'lte05800-4.50-0.0.PHOENIX-ACES-AGSS-COND-2011-HiRes_5000-8000A.fits') -Wavelength 6100, 6200 |
        Invoke-BlaseClone | Save-BlaseModel -Path (Join-Path $sandbox 'sun.blase.fits')
    New-BlaseEmulator (Join-Path $dataRoot 'grids' 'PHOENIX_IGRINS_m075.hdf5') | Save-BlaseModel -Path (Join-Path $sandbox 'igrins-emulator.hdf5')
    @([pscustomobject]@{ Teff = 3850; LogG = 3.75; Metallicity = 0 }, [pscustomobject]@{ Teff = 4050; LogG = 3.5; Metallicity = 0.1 }) |
        Export-Csv -Path (Join-Path $sandbox 'stars.csv')

    function Invoke-Example([string]$Command, [int]$Number, [string]$Code) {
        $folder = New-Item -ItemType Directory -Path (Join-Path $scratch "$Command-$Number")
        Get-ChildItem $sandbox | ForEach-Object { New-Link (Join-Path $folder $_.Name) $_.FullName }
        $runspace = [powershell]::Create()
        try {
            $prelude = "Set-Location -LiteralPath '$folder'; `$ErrorActionPreference = 'Stop'; Set-StrictMode -Version 1; Import-Module '$manifest'"
            # Out-String: the example's output goes through the module's views as it would on a console.
            $output = $runspace.AddScript("$prelude`n$Code").AddCommand('Out-String').Invoke()
            $errors = @($runspace.Streams.Error) | Out-String
            $errors | Should -BeNullOrEmpty -Because "the example`n$Code`nwrote errors (output: $output)"
        }
        finally { $runspace.Dispose() }
    }
}

AfterAll {
    Remove-Item -LiteralPath $scratch -Recurse -Force -ErrorAction Ignore
}

Describe 'help examples' -Skip:$noData {
    It '<Command> example <Number> runs' -ForEach @($examples | Where-Object { -not $_.Slurm }) {
        Invoke-Example $Command $Number $Code
    }

    It '<Command> example <Number> runs (needs Slurm)' -ForEach @($examples | Where-Object Slurm) -Skip:$noSlurm {
        Invoke-Example $Command $Number $Code
    }
}
