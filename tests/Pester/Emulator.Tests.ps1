# Pester 5 specs for the PCA + GP grid emulator: build, draw templates, save and import, errors.
# Under Invoke-Pester (pwsh), discovery needs the data folder for -Skip, and the run needs the module: both are set
# here; under `dotnet test` the host provides $BlaseDataRoot and has imported Blase already.
if (-not $BlaseDataRoot) { $BlaseDataRoot = [System.IO.Path]::GetFullPath([System.IO.Path]::Combine($PSScriptRoot, '..', '..', '..', 'shared', 'data')) }
BeforeAll {
    if (-not $BlaseDataRoot) { $BlaseDataRoot = [System.IO.Path]::GetFullPath([System.IO.Path]::Combine($PSScriptRoot, '..', '..', '..', 'shared', 'data')) }
    if (-not (Get-Module Blase)) { Import-Module ([System.IO.Path]::Combine($PSScriptRoot, '..', '..', 'out', 'Blase', 'Blase.psd1')) -ErrorAction Stop }
    $grids = [System.IO.Path]::Combine([string]$BlaseDataRoot, 'grids')
    $dir = [System.IO.Path]::Combine([System.IO.Path]::GetTempPath(), "blase-emulator-$([guid]::NewGuid())")
    $null = [System.IO.Directory]::CreateDirectory($dir)
}
AfterAll { [System.IO.Directory]::Delete($dir, $true) }

Describe 'New-BlaseEmulator and Get-BlaseTemplate' {
    $noData = -not [System.IO.Directory]::Exists([System.IO.Path]::Combine([string]$BlaseDataRoot, 'grids'))

    It 'emulates the IGRINS grid with an uncertainty and refuses labels outside it' -Skip:$noData {
        $e = New-BlaseEmulator -Path ([System.IO.Path]::Combine($grids, 'PHOENIX_IGRINS_m075.hdf5'))
        $e.ComponentCount | Should -Be 9 # 99.9 % of the variance, the default
        $e.LabelNames -join ',' | Should -Be 'Teff,LogG,Metallicity'
        $s = Get-BlaseTemplate -Emulator $e -Teff 3850 -LogG 3.75 -Metallicity 0.1
        $s.PixelCount | Should -Be 2048
        $s.Metadata.Teff | Should -Be 3850
        $s.Uncertainty[100] | Should -BeGreaterThan 0
        (Get-BlaseTemplate -Emulator $e -Label 3850, 3.75, 0.1).Flux[100] | Should -Be $s.Flux[100]
        $a = Get-BlaseTemplate -Emulator $e -Label 3850, 3.75, 0.1 -Sample -Seed 3
        $b = Get-BlaseTemplate -Emulator $e -Label 3850, 3.75, 0.1 -Sample -Seed 3
        $a.Flux[100] | Should -Be $b.Flux[100]
        $a.Flux[100] | Should -Not -Be $s.Flux[100]
        Get-BlaseTemplate -Emulator $e -Teff 4600 -LogG 4 -Metallicity 0 -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $err[0].Exception.Message | Should -Match 'Teff 4600 is outside 3500..4300'
        (Get-BlaseTemplate -Emulator $e -Teff 4400 -LogG 4 -Metallicity 0 -Extrapolate -WarningAction SilentlyContinue).PixelCount | Should -Be 2048
    }

    It 'saves the emulator in the Starfish layout and imports the same predictions; -WhatIf writes nothing' -Skip:$noData {
        $e = New-BlaseEmulator ([System.IO.Path]::Combine($grids, 'PHOENIX_IGRINS_m075.hdf5')) -Components 3
        $path = [System.IO.Path]::Combine($dir, 'emulator.hdf5')
        $e | Save-BlaseModel -Path $path -WhatIf
        $path | Should -Not -Exist
        ($e | Save-BlaseModel -Path $path).Length | Should -BeGreaterThan 0
        $e | Save-BlaseModel -Path $path -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].Exception.Message | Should -Match 'Force'
        $back = Import-BlaseModel $path
        $back.ComponentCount | Should -Be 3
        (Get-BlaseTemplate -Emulator $back -Teff 3850 -LogG 3.75 -Metallicity 0.1).Flux[7] |
            Should -Be (Get-BlaseTemplate -Emulator $e -Teff 3850 -LogG 3.75 -Metallicity 0.1).Flux[7]
        Import-BlaseModel ([System.IO.Path]::Combine($grids, 'PHOENIX_IGRINS_m075.hdf5')) -ErrorVariable err2 -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err2[0].Exception.Message | Should -Match 'New-BlaseEmulator'
    }

    It 'draws a template from the Starfish test grid that Invoke-BlaseClone clones' -Skip:$noData {
        $e = New-BlaseEmulator ([System.IO.Path]::Combine($grids, 'starfish_test_PHOENIX_grid.hdf5'))
        $e.LabelNames -join ',' | Should -Be 'Teff,LogG'
        $m = Get-BlaseTemplate -Emulator $e -Teff 5150 -LogG 4.25 -Metallicity 0 | Invoke-BlaseClone -Epochs 3
        $m.Count | Should -BeGreaterThan 100
        Get-BlaseTemplate -Emulator $e -Teff 5150 -LogG 4.25 -Metallicity 0.5 -ErrorAction SilentlyContinue -ErrorVariable err | Should -BeNullOrEmpty
        $err[0].Exception.Message | Should -Match 'Metallicity = 0 throughout'
    }

    It 'builds an emulator of the grid as an instrument sees it (-ResolvingPower, -PixelKms)' -Skip:$noData {
        $path = [System.IO.Path]::Combine($grids, 'PHOENIX_IGRINS_m075.hdf5')
        $e = New-BlaseEmulator -Path $path -ResolvingPower 20000 -PixelKms 5
        $s = Get-BlaseTemplate -Emulator $e -Teff 3850 -LogG 3.75 -Metallicity 0
        $s.PixelCount | Should -BeLessThan 2048
        $s.PixelCount | Should -BeGreaterThan 100
        [math]::Log($s.Orders[0].Wavelength[1] / $s.Orders[0].Wavelength[0]) * 299792.458 | Should -BeGreaterThan 4.99
        New-BlaseEmulator -Path $path -PixelKms 5 -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].Exception.Message | Should -Match 'ResolvingPower'
    }

    It 'builds an emulator from grid spectra piped in' -Skip:$noData {
        $e = Import-BlaseSpectrum ([System.IO.Path]::Combine($grids, 'PHOENIX_IGRINS_m075.hdf5')) |
            Where-Object { $_.Metadata.Metallicity -eq 0 } | New-BlaseEmulator -Components 4
        $e.GridCount | Should -Be 18
        $e.LabelNames -join ',' | Should -Be 'Teff,LogG'
        $e.FixedLabels['Metallicity'] | Should -Be 0
    }
}
