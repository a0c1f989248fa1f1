# Pester 5 specs for cloning: a pipeline from a spectrum to a line list, and the model files.
# Under Invoke-Pester (pwsh), discovery needs the data folder for -Skip, and the run needs the module: both are set
# here; under `dotnet test` the host provides $BlaseDataRoot and has imported Blase already.
if (-not $BlaseDataRoot) { $BlaseDataRoot = [System.IO.Path]::GetFullPath([System.IO.Path]::Combine($PSScriptRoot, '..', '..', '..', 'shared', 'data')) }
BeforeAll {
    if (-not $BlaseDataRoot) { $BlaseDataRoot = [System.IO.Path]::GetFullPath([System.IO.Path]::Combine($PSScriptRoot, '..', '..', '..', 'shared', 'data')) }
    if (-not (Get-Module Blase)) { Import-Module ([System.IO.Path]::Combine($PSScriptRoot, '..', '..', 'out', 'Blase', 'Blase.psd1')) -ErrorAction Stop }
    $dir = [System.IO.Path]::Combine([System.IO.Path]::GetTempPath(), "blase-clone-$([guid]::NewGuid())")
    $null = [System.IO.Directory]::CreateDirectory($dir)
    # A synthetic normalized template: eight lines (half Gaussian, half Lorentzian, as stellar lines are) on 6000-6010 A.
    $n = 1001
    $wl = [double[]]::new($n); $fl = [double[]]::new($n)
    for ($i = 0; $i -lt $n; $i++) {
        $wl[$i] = 6000 + 0.01 * $i
        $f = 1.0
        for ($k = 0; $k -lt 8; $k++) {
            $d = $wl[$i] - 6000.8 - 1.15 * $k
            $f *= 1 - (0.1 + 0.05 * $k) * (0.5 * [math]::Exp(-0.5 * $d * $d / 0.0016) + 0.5 * 0.0016 / (0.0016 + $d * $d))
        }
        $fl[$i] = $f
    }
    $template = [Blase.Engine.Spectra.Spectrum]::FromArrays($wl, $fl, $null, 'Angstrom', 'Vacuum', $null)
}
AfterAll { [System.IO.Directory]::Delete($dir, $true) }

Describe 'Invoke-BlaseClone' {
    It 'clones a normalized template into its lines' {
        $m = $template | Invoke-BlaseClone -Normalized -Epochs 40
        $m.Count | Should -Be 8
        $m.Report.RmsNative | Should -BeLessThan 0.003
        @($m | Get-BlaseLine | Where-Object Depth -gt 0.22) | Should -HaveCount 5
    }

    It 'reports the line count with -WhatIf and fits nothing' {
        $template | Invoke-BlaseClone -Normalized -WhatIf | Should -BeNullOrEmpty
        @($template | Find-BlaseLine -Normalized) | Should -HaveCount 8
    }

    It 'writes the line list to <Ext> from the pipeline' -ForEach @(@{ Ext = 'xlsx' }, @{ Ext = 'csv' }, @{ Ext = 'fits' }) {
        $path = [System.IO.Path]::Combine($dir, "lines.$Ext")
        $file = $template | Invoke-BlaseClone -Normalized -Epochs 10 | Export-BlaseLines -Path $path
        $file.Length | Should -BeGreaterThan 0
        $path | Should -Exist
    }

    It 'saves a model that imports to the identical spectrum' {
        $m = $template | Invoke-BlaseClone -Normalized -Epochs 10
        $path = [System.IO.Path]::Combine($dir, 'model.fits')
        $m | Save-BlaseModel -Path $path | Out-Null
        $back = Import-BlaseModel $path
        $a = $m.Evaluate($wl); $b = $back.Evaluate($wl)
        $same = $true
        for ($i = 0; $i -lt $n; $i++) { if ($a[$i] -ne $b[$i]) { $same = $false } }
        $same | Should -BeTrue
        { $m | Save-BlaseModel -Path $path -ErrorAction Stop } | Should -Throw '*-Force*'
    }

    It 'round-trips the blase CSV convention' {
        $m = $template | Invoke-BlaseClone -Normalized -Epochs 10
        $path = [System.IO.Path]::Combine($dir, 'blase.csv')
        $m | Export-BlaseLines -Path $path -Convention Blase | Out-Null
        [System.IO.File]::ReadAllLines($path)[0] | Should -Be 'lam_center_A,ln_amplitude,ln_sigma_A,ln_gamma_A'
        (Import-BlaseModel $path).Count | Should -Be 8
    }

    It 'runs -Device Cuda on a GPU, and refuses it clearly without one' {
        $m = $template | Invoke-BlaseClone -Normalized -Epochs 10 -Device Cuda -ErrorVariable errs -ErrorAction SilentlyContinue
        if (@(Get-BlaseDevice -Kind Cuda).Count -gt 0) { $m.Report.Training.Device | Should -BeLike 'CUDA*' }
        else { $errs[0].Exception.Message | Should -BeLike '*no CUDA device*' }
    }

    It 'clones a slice of the real PHOENIX template below blase RMS' -Skip:(-not [System.IO.Directory]::Exists([System.IO.Path]::Combine([string]$BlaseDataRoot, 'phoenix'))) {
        $file = [System.IO.Path]::Combine($BlaseDataRoot, 'phoenix', 'lte05800-4.50-0.0.PHOENIX-ACES-AGSS-COND-2011-HiRes_5000-8000A.fits')
        $m = Import-BlaseSpectrum $file -Wavelength 6000, 6100 | Invoke-BlaseClone -Epochs 25
        $m.Count | Should -BeGreaterThan 150
        $m.Report.RmsNative | Should -BeLessThan 0.0149
        # Fidelity: one round of residual-driven discovery adds lines (within -MaxLines) and lowers the residual.
        $f = Import-BlaseSpectrum $file -Wavelength 6000, 6100 | Invoke-BlaseClone -Epochs 25 -DiscoveryRounds 1 -MaxLines ([int]($m.Count * 1.5))
        $f.Count | Should -BeGreaterThan $m.Count
        $f.Count | Should -BeLessOrEqual ([int]($m.Count * 1.5))
        $f.Report.RmsNative | Should -BeLessThan $m.Report.RmsNative
    }
}
