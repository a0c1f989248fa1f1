# Pester 5 specs for reading spectra. $BlaseDataRoot is ../shared/data (set by the test host; computed here under pwsh).
# Under Invoke-Pester (pwsh), discovery needs the data folder for -Skip, and the run needs the module: both are set
# here; under `dotnet test` the host provides $BlaseDataRoot and has imported Blase already.
if (-not $BlaseDataRoot) { $BlaseDataRoot = [System.IO.Path]::GetFullPath([System.IO.Path]::Combine($PSScriptRoot, '..', '..', '..', 'shared', 'data')) }
BeforeAll {
    if (-not $BlaseDataRoot) { $BlaseDataRoot = [System.IO.Path]::GetFullPath([System.IO.Path]::Combine($PSScriptRoot, '..', '..', '..', 'shared', 'data')) }
    if (-not (Get-Module Blase)) { Import-Module ([System.IO.Path]::Combine($PSScriptRoot, '..', '..', 'out', 'Blase', 'Blase.psd1')) -ErrorAction Stop }
    $hpf = [System.IO.Path]::Combine($BlaseDataRoot, 'hpf')
}

Describe 'Import-BlaseSpectrum' {
    $noData = -not ($BlaseDataRoot -and [System.IO.Directory]::Exists($BlaseDataRoot))

    It 'reads the Goldilocks file as 28 orders' -Skip:$noData {
        $s = Import-BlaseSpectrum -Path ([System.IO.Path]::Combine($hpf, 'Goldilocks_*.fits'))
        $s.Orders.Count | Should -Be 28
        $s.Metadata.SourceFormat | Should -Be 'Goldilocks'
    }

    It 'reads the WASP-69 table as 2048 pixels from 8656 to 8768 A' -Skip:$noData {
        $s = Import-BlaseSpectrum ([System.IO.Path]::Combine($hpf, 'WASP_69_hpf_stack.fits'))
        $s.PixelCount | Should -Be 2048
        $s.MinWavelength | Should -BeGreaterThan 8656
        $s.MaxWavelength | Should -BeLessThan 8768.1
    }

    It 'binds paths from the pipeline by value and by property name' -Skip:$noData {
        $path = [System.IO.Path]::Combine($hpf, 'WASP_69_hpf_stack.fits')
        (($path | Import-BlaseSpectrum).PixelCount) | Should -Be 2048
        (([pscustomobject]@{ FullName = $path } | Import-BlaseSpectrum).PixelCount) | Should -Be 2048
    }

    It 'goes on past a missing file with a non-terminating error' -Skip:$noData {
        $good = [System.IO.Path]::Combine($hpf, 'WASP_69_hpf_stack.fits')
        $out = Import-BlaseSpectrum -Path 'no-such-file.fits', $good -ErrorVariable errs -ErrorAction SilentlyContinue
        @($out) | Should -HaveCount 1
        $errs.Count | Should -Be 1
        $errs[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
    }

    It 'reports a truncated file as InvalidData naming the file' -Skip:$noData {
        $bytes = [System.IO.File]::ReadAllBytes([System.IO.Path]::Combine($hpf, 'Goldilocks_20210212T072837_v1.0_0037.spectra.fits'))
        $cut = [System.IO.Path]::Combine([System.IO.Path]::GetTempPath(), "blase-cut-$([guid]::NewGuid()).fits")
        [System.IO.File]::WriteAllBytes($cut, $bytes[0..100000])
        try {
            Import-BlaseSpectrum $cut -ErrorVariable errs -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            $errs[0].CategoryInfo.Category | Should -Be 'InvalidData'
            $errs[0].Exception.Message | Should -BeLike '*blase-cut-*truncated*'
            $errs[0].ErrorDetails.RecommendedAction | Should -Not -BeNullOrEmpty
        }
        finally { [System.IO.File]::Delete($cut) }
    }

    It 'keeps chosen orders and a wavelength range' -Skip:$noData {
        $s = Import-BlaseSpectrum ([System.IO.Path]::Combine($hpf, 'Goldilocks_*.fits')) -Order 3, 4 -Wavelength 8600, 8700
        $s.Orders.Count | Should -BeGreaterThan 0
        $s.MinWavelength | Should -BeGreaterOrEqual 8600
        $s.MaxWavelength | Should -BeLessOrEqual 8700
    }

    It 'finds a PHOENIX spectrum in a library folder by its parameters' -Skip:$noData {
        $s = Import-BlaseSpectrum -Path ([System.IO.Path]::Combine($BlaseDataRoot, 'phoenix')) -Teff 5800 -LogG 4.5 -Metallicity 0
        $s.PixelCount | Should -Be 300001
        $s.Metadata.Teff | Should -Be 5800
    }

    It 'emits one spectrum per Starfish grid point' -Skip:$noData {
        $grid = @(Import-BlaseSpectrum ([System.IO.Path]::Combine($BlaseDataRoot, 'grids', 'PHOENIX_IGRINS_m075.hdf5')))
        $grid | Should -HaveCount 54
        @($grid | Where-Object { $_.Metadata.Teff -eq 4000 }) | Should -HaveCount 6
    }
}

Describe 'Spectrum round trip' {
    BeforeAll {
        $dir = [System.IO.Path]::Combine([System.IO.Path]::GetTempPath(), "blase-spec-$([guid]::NewGuid())")
        [System.IO.Directory]::CreateDirectory($dir) | Out-Null
        $wl = [double[]](0..99 | ForEach-Object { 6000 + 0.1 * $_ })
        $fl = [double[]](0..99 | ForEach-Object { 1 - 0.5 * [math]::Exp(-[math]::Pow(($_ - 50) / 3, 2)) })
        $spectrum = [Blase.Engine.Spectra.Spectrum]::FromArrays($wl, $fl, $null, 'Angstrom', 'Vacuum', $null)
    }
    AfterAll { [System.IO.Directory]::Delete($dir, $true) }

    It 'writes <Ext> that reads back to the same flux' -ForEach @(@{ Ext = 'fits' }, @{ Ext = 'csv' }) {
        $path = [System.IO.Path]::Combine($dir, "s.$Ext")
        $spectrum | Export-BlaseSpectrum -Path $path | Should -Not -BeNullOrEmpty
        $back = Import-BlaseSpectrum $path
        $back.Flux[50] | Should -Be $fl[50]
        $back.PixelCount | Should -Be 100
    }

    It 'does not overwrite without -Force, and -WhatIf writes nothing' {
        $path = [System.IO.Path]::Combine($dir, 'keep.fits')
        $spectrum | Export-BlaseSpectrum -Path $path | Out-Null
        $spectrum | Export-BlaseSpectrum -Path $path -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs[0].Exception.Message | Should -BeLike '*-Force*'
        $spectrum | Export-BlaseSpectrum -Path $path -Force | Should -Not -BeNullOrEmpty
        $other = [System.IO.Path]::Combine($dir, 'whatif.fits')
        $spectrum | Export-BlaseSpectrum -Path $other -WhatIf
        $other | Should -Not -Exist
    }

    It 'converts to air and back' {
        $air = $spectrum | Convert-BlaseSpectrum -Medium Air
        $air.MinWavelength | Should -BeLessThan 6000
        $back = $air | Convert-BlaseSpectrum -Medium Vacuum
        [math]::Abs($back.MinWavelength - 6000) | Should -BeLessThan 1e-8
        ($spectrum | Convert-BlaseSpectrum -Unit Nanometer).MinWavelength | Should -Be 600
    }

    It 'selects a wavelength range' {
        ($spectrum | Select-BlaseSpectrum -Wavelength 6001, 6002).PixelCount | Should -Be 11
    }
}

Describe 'Get-BlaseDevice' {
    It 'always lists the CPU' {
        $cpu = Get-BlaseDevice -Kind Cpu
        $cpu.Kind | Should -Be 'Cpu'
        $cpu.Cores | Should -BeGreaterThan 0
    }
    It 'marks exactly one device as the Auto choice' {
        @(Get-BlaseDevice | Where-Object IsDefault) | Should -HaveCount 1
    }
}

Describe 'Import-BlaseModel' {
    $noData = -not ($BlaseDataRoot -and [System.IO.Directory]::Exists($BlaseDataRoot))

    It 'reads The Payne network with its wavelengths and mask' -Skip:$noData {
        $net = Import-BlaseModel ([System.IO.Path]::Combine($BlaseDataRoot, 'payne', 'NN_normalized_spectra.npz'))
        $net.PixelCount | Should -Be 7214
        $net.LabelCount | Should -Be 5
        $net.Wavelength[0] | Should -BeGreaterThan 15100
        $flux = $net.Evaluate([double[]](4750, 2.5, 0, 0, 6))
        $flux.Count | Should -Be 7214
    }

    It 'refuses a spectrum file with a hint' -Skip:$noData {
        Import-BlaseModel ([System.IO.Path]::Combine($BlaseDataRoot, 'hpf', 'WASP_69_hpf_stack.fits')) -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs[0].Exception.Message | Should -BeLike '*Import-BlaseSpectrum*'
    }
}
