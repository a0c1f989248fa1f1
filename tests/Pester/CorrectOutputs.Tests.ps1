# Pester 5 specs for outputs a new user trips over (issue 9, "Correct outputs"): the extension decides the format or the
# cmdlet refuses; PHOENIX WAVE files are skipped with a message; files from Get-ChildItem bind literally; a wildcard
# that matches nothing is an error.
if (-not $BlaseDataRoot) { $BlaseDataRoot = [System.IO.Path]::GetFullPath([System.IO.Path]::Combine($PSScriptRoot, '..', '..', '..', 'shared', 'data')) }
BeforeAll {
    if (-not $BlaseDataRoot) { $BlaseDataRoot = [System.IO.Path]::GetFullPath([System.IO.Path]::Combine($PSScriptRoot, '..', '..', '..', 'shared', 'data')) }
    if (-not (Get-Module Blase)) { Import-Module ([System.IO.Path]::Combine($PSScriptRoot, '..', '..', 'out', 'Blase', 'Blase.psd1')) -ErrorAction Stop }
    $dir = [System.IO.Path]::Combine([System.IO.Path]::GetTempPath(), "blase-outputs-$([guid]::NewGuid())")
    $null = [System.IO.Directory]::CreateDirectory($dir)
    # Two lines on a normalized continuum: enough to clone in a moment.
    $n = 401
    $wl = [double[]]::new($n); $fl = [double[]]::new($n)
    for ($i = 0; $i -lt $n; $i++) {
        $wl[$i] = 6000 + 0.01 * $i
        $d1 = $wl[$i] - 6001.2; $d2 = $wl[$i] - 6002.6
        $fl[$i] = (1 - 0.3 * [math]::Exp(-0.5 * $d1 * $d1 / 0.0016)) * (1 - 0.2 * [math]::Exp(-0.5 * $d2 * $d2 / 0.0016))
    }
    $template = [Blase.Engine.Spectra.Spectrum]::FromArrays($wl, $fl, $null, 'Angstrom', 'Vacuum', $null)
    $model = $template | Invoke-BlaseClone -Normalized -Epochs 5
}
AfterAll { [System.IO.Directory]::Delete($dir, $true) }

Describe 'The extension decides the format' {
    It 'Export-BlaseLines -Convention Blase refuses <Ext> and writes nothing' -ForEach @(@{ Ext = 'xlsx' }, @{ Ext = 'fits' }) {
        $path = [System.IO.Path]::Combine($dir, "blase-lines.$Ext")
        $model | Export-BlaseLines -Path $path -Convention Blase -ErrorVariable errs -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $errs[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $errs[0].Exception.Message | Should -BeLike '*extension decides the format*.csv*'
        $path | Should -Not -Exist
    }

    It 'Export-BlaseLines refuses an extension it has no format for' {
        $path = [System.IO.Path]::Combine($dir, 'lines.txt')
        $model | Export-BlaseLines -Path $path -ErrorVariable errs -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $errs[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $path | Should -Not -Exist
    }

    It 'Save-BlaseModel -Path m.csv writes blase CSV, not FITS' {
        $path = [System.IO.Path]::Combine($dir, 'model.csv')
        $model | Save-BlaseModel -Path $path | Out-Null
        [System.IO.File]::ReadAllLines($path)[0] | Should -Be 'lam_center_A,ln_amplitude,ln_sigma_A,ln_gamma_A'
        (Import-BlaseModel -Path $path).Count | Should -Be $model.Count
    }

    It 'Save-BlaseModel refuses <Ext> and writes nothing' -ForEach @(@{ Ext = 'txt' }, @{ Ext = 'hdf5' }, @{ Ext = 'xlsx' }) {
        $path = [System.IO.Path]::Combine($dir, "model.$Ext")
        $model | Save-BlaseModel -Path $path -ErrorVariable errs -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $errs[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $errs[0].Exception.Message | Should -BeLike '*.fits*'
        $path | Should -Not -Exist
    }
}

Describe 'Several inputs to one -Path' {
    It '<Command> writes the first and refuses the rest, saying what to do' -ForEach @(
        @{ Command = 'Export-BlaseSpectrum'; Ext = 'fits' }, @{ Command = 'Export-BlaseLines'; Ext = 'csv' }, @{ Command = 'Save-BlaseModel'; Ext = 'fits' }) {
        $path = [System.IO.Path]::Combine($dir, "several-$Command.$Ext")
        $inputs = if ($Command -eq 'Export-BlaseSpectrum') { $template, ($template | Select-BlaseSpectrum -Wavelength 6000, 6002) } else { $model, $model }
        $files = @($inputs | & $Command -Path $path -Force -ErrorVariable errs -ErrorAction SilentlyContinue)
        $files | Should -HaveCount 1
        $errs | Should -HaveCount 1
        $errs[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $errs[0].Exception.Message | Should -BeLike '*one file per object*'
        if ($Command -eq 'Export-BlaseSpectrum') { (Import-BlaseSpectrum -LiteralPath $path).PixelCount | Should -Be $n }
    }
}

Describe 'Paths as a new user gives them' {
    It 'reads a file from Get-ChildItem whose name has [1] in it, literally' {
        $sub = [System.IO.Path]::Combine($dir, 'brackets')
        $null = [System.IO.Directory]::CreateDirectory($sub)
        $template | Export-BlaseSpectrum -Path ([System.IO.Path]::Combine($sub, 'plain.csv')) | Out-Null
        [System.IO.File]::Copy([System.IO.Path]::Combine($sub, 'plain.csv'), [System.IO.Path]::Combine($sub, 'star[1].csv'))
        $read = @(Get-ChildItem -LiteralPath $sub -Filter 'star*' | Import-BlaseSpectrum -ErrorAction Stop)
        $read | Should -HaveCount 1
        $read[0].PixelCount | Should -Be $n
        @(Get-ChildItem -LiteralPath $sub | Import-BlaseSpectrum -ErrorAction Stop) | Should -HaveCount 2
    }

    It 'reads a saved model from Get-ChildItem whose name has [1] in it' {
        $path = [System.IO.Path]::Combine($dir, 'model[1].fits')
        $model | Save-BlaseModel -Path $path | Out-Null
        (Get-Item -LiteralPath $path | Import-BlaseModel -ErrorAction Stop).Count | Should -Be $model.Count
    }

    It 'reports a wildcard that matches nothing as an error, and goes on (<Command>)' -ForEach @(@{ Command = 'Import-BlaseSpectrum' }, @{ Command = 'Import-BlaseModel' }) {
        $out = & $Command -Path ([System.IO.Path]::Combine($dir, 'nothing-here-*.fits')) -ErrorVariable errs -ErrorAction SilentlyContinue
        $out | Should -BeNullOrEmpty
        $errs | Should -HaveCount 1
        $errs[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $errs[0].Exception.Message | Should -BeLike '*no file matches*nothing-here-*'
    }
}

Describe 'Errors that fit' {
    It '-Device Cuda without a GPU is ResourceUnavailable and recommends -Device Cpu or Auto' {
        if (@(Get-BlaseDevice -Kind Cuda).Count -gt 0) { Set-ItResult -Skipped -Because 'this machine has a CUDA GPU' }
        $template | Invoke-BlaseClone -Normalized -Epochs 2 -Device Cuda -ErrorVariable errs -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $errs[0].CategoryInfo.Category | Should -Be 'ResourceUnavailable'
        $errs[0].ErrorDetails.RecommendedAction | Should -BeLike '*-Device Cpu*-Device Auto*'
    }
}

Describe 'Options act or refuse' {
    $noData = -not [System.IO.Directory]::Exists([System.IO.Path]::Combine([string]$BlaseDataRoot, 'igrins'))

    It '-FluxExtension names an IGRINS extension the file has, or is refused with the ones it has' -Skip:$noData {
        $igrins = [System.IO.Path]::Combine($BlaseDataRoot, 'igrins', 'SDCH_20201202_0059.spec_a0v.fits')
        Import-BlaseSpectrum -LiteralPath $igrins -FluxExtension Nope -ErrorVariable errs -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $errs[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $errs[0].Exception.Message | Should -BeLike '*-FluxExtension Nope*no such*SPEC_DIVIDE_A0V*TGT_SPEC*'
        (Import-BlaseSpectrum -LiteralPath $igrins -FluxExtension TGT_SPEC).Metadata.Extra['FluxExtension'] | Should -Be 'TGT_SPEC'
        $hpf = [System.IO.Path]::Combine($BlaseDataRoot, 'hpf', 'WASP_69_hpf_stack.fits')
        Import-BlaseSpectrum -LiteralPath $hpf -FluxExtension TGT_SPEC -ErrorVariable errs2 -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $errs2[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $errs2[0].Exception.Message | Should -BeLike '*IGRINS*'
    }

    It '-Medium Air on vacuum PHOENIX wavelengths is refused (it would relabel, not convert); on a text file it names the medium' -Skip:$noData {
        $phoenix = [System.IO.Path]::Combine($BlaseDataRoot, 'phoenix', 'lte05800-4.50-0.0.PHOENIX-ACES-AGSS-COND-2011-HiRes_5000-8000A.fits')
        Import-BlaseSpectrum -LiteralPath $phoenix -Medium Air -ErrorVariable errs -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $errs[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $errs[0].Exception.Message | Should -BeLike '*vacuum*Convert-BlaseSpectrum -Medium Air*'
        (Import-BlaseSpectrum -LiteralPath $phoenix -Medium Vacuum -Wavelength 6000, 6001).Medium | Should -Be 'Vacuum'
        $text = [System.IO.Path]::Combine($BlaseDataRoot, 'telluric', 'telfit_example_Model.dat')
        (Import-BlaseSpectrum -LiteralPath $text -Medium Air).Medium | Should -Be 'Air'
    }

    It 'an -Order or -Wavelength that selects nothing is the argument''s fault (InvalidArgument), naming the parameter' -Skip:$noData {
        $hpf = [System.IO.Path]::Combine($BlaseDataRoot, 'hpf', 'WASP_69_hpf_stack.fits')
        Import-BlaseSpectrum -LiteralPath $hpf -Order 99 -ErrorVariable errs -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $errs[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $errs[0].Exception.Message | Should -BeLike '-Order:*no order 99*'
        Import-BlaseSpectrum -LiteralPath $hpf | Select-BlaseSpectrum -Wavelength 5000, 5001 -ErrorVariable errs2 -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $errs2[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $errs2[0].Exception.Message | Should -BeLike '-Wavelength:*no pixels*'
    }

    It 'Invoke-BlaseClone trains for the engine''s default number of iterations, not a cmdlet''s own' {
        # Adam at a small learning rate with Tolerance 0 does not stop early (each step lowers the loss; Levenberg-Marquardt stops when its step no longer does), so
        # the report counts the iteration limit.
        $default = [Blase.Engine.Fitting.TrainingOptions]::new().Epochs
        ($template | Invoke-BlaseClone -Normalized -Optimizer Adam -LearningRate 1e-4 -Tolerance 0).Report.Training.Epochs | Should -Be $default
        ($template | Invoke-BlaseClone -Normalized -Optimizer Adam -LearningRate 1e-4 -Tolerance 0 -Epochs 7).Report.Training.Epochs | Should -Be 7
    }
}

Describe 'PHOENIX WAVE files' {
    $noData = -not [System.IO.Directory]::Exists([System.IO.Path]::Combine([string]$BlaseDataRoot, 'phoenix'))

    It 'are recognized and skipped with a message, not read as a spectrum whose flux is the wavelength' -Skip:$noData {
        $wave = [System.IO.Path]::Combine($BlaseDataRoot, 'phoenix', 'WAVE_PHOENIX-ACES-AGSS-COND-2011_5000-8000A.fits')
        Import-BlaseSpectrum -LiteralPath $wave -WarningVariable warns -WarningAction SilentlyContinue -ErrorAction Stop | Should -BeNullOrEmpty
        $warns | Should -HaveCount 1
        [string]$warns[0] | Should -BeLike '*skipped*PHOENIX WAVE file*'
    }

    It 'leave only the flux files when a library folder is piped in' -Skip:$noData {
        $files = Get-ChildItem -LiteralPath ([System.IO.Path]::Combine($BlaseDataRoot, 'phoenix')) -Filter '*5000-8000A*.fits'
        $spectra = @($files | Import-BlaseSpectrum -Wavelength 6000, 6001 -WarningAction SilentlyContinue -ErrorAction Stop)
        $spectra.Count | Should -Be (@($files | Where-Object Name -NotLike 'WAVE_*').Count)
        $spectra | ForEach-Object { $_.Name | Should -Not -BeLike 'WAVE_*' }
    }
}
