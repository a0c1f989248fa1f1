# Pester 5 specs for label inference: Invoke-BlaseLabelFit with The Payne 2018 network and a PCA + GP emulator, and its errors.
# Under Invoke-Pester (pwsh), discovery needs the data folder for -Skip, and the run needs the module: both are set
# here; under `dotnet test` the host provides $BlaseDataRoot and has imported Blase already.
if (-not $BlaseDataRoot) { $BlaseDataRoot = [System.IO.Path]::GetFullPath([System.IO.Path]::Combine($PSScriptRoot, '..', '..', '..', 'shared', 'data')) }
BeforeAll {
    if (-not $BlaseDataRoot) { $BlaseDataRoot = [System.IO.Path]::GetFullPath([System.IO.Path]::Combine($PSScriptRoot, '..', '..', '..', 'shared', 'data')) }
    if (-not (Get-Module Blase)) { Import-Module ([System.IO.Path]::Combine($PSScriptRoot, '..', '..', 'out', 'Blase', 'Blase.psd1')) -ErrorAction Stop }
    $payne = [System.IO.Path]::Combine([string]$BlaseDataRoot, 'payne', 'NN_normalized_spectra.npz')
}

Describe 'Invoke-BlaseLabelFit' {
    $noData = -not [System.IO.Directory]::Exists([System.IO.Path]::Combine([string]$BlaseDataRoot, 'payne'))

    It 'fits The Payne network to a spectrum it made, from the pipeline, labels in the network''s order' -Skip:$noData {
        $net = Import-BlaseModel $payne
        $star = Get-BlaseTemplate -Emulator $net -Label 5230, 4.42, -0.12, 0.05, 6
        $star.Metadata.Teff | Should -Be 5230
        $fit = $star | Invoke-BlaseLabelFit -Emulator $net -FixLabel @{ Vmacro = 6 } -FixRadialVelocity
        $fit.LabelNames -join ',' | Should -Be 'Teff,LogG,Metallicity,MgFe,Vmacro'
        $fit.Labels[0] | Should -BeGreaterThan 5225
        $fit.Labels[0] | Should -BeLessThan 5235
        $fit.Label('LogG') | Should -BeGreaterThan 4.41
        $fit.LabelErrors[4] | Should -Be 0
        $fit.RadialVelocity | Should -Be 0
        $fit.Converged | Should -BeTrue
        ($fit | Out-String -Width 200) -split "`n" | Where-Object { $_.TrimEnd().Length -gt 80 } | Should -BeNullOrEmpty
    }

    It 'says clearly what is wrong with a label it does not have, and goes on with the next spectrum' -Skip:$noData {
        $net = Import-BlaseModel $payne
        $star = Get-BlaseTemplate -Emulator $net -Label 5230, 4.42, -0.12, 0.05, 6
        $r = $star, $star | Invoke-BlaseLabelFit -Emulator $net -FixLabel @{ Alpha = 0 } -ErrorVariable err -ErrorAction SilentlyContinue
        $r | Should -BeNullOrEmpty
        $err.Count | Should -Be 2
        $err[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $err[0].Exception.Message | Should -Match 'no label Alpha'
        { $star | Invoke-BlaseLabelFit -Emulator $net -Exclude 15900 -ErrorAction Stop } | Should -Throw '*pairs*'
    }
}

Describe 'New-BlaseEmulator -Kind Neural' {
    $noData = -not [System.IO.Directory]::Exists([System.IO.Path]::Combine([string]$BlaseDataRoot, 'payne'))

    It 'trains a network on piped labelled spectra, saves it in The Payne''s layout and reads it back' -Skip:$noData {
        $payne = Import-BlaseModel $payne
        $spectra = foreach ($i in 0..29) { Get-BlaseTemplate -Emulator $payne -Label (4500 + 40 * $i), (4.1 + 0.02 * $i), (-0.3 + 0.02 * ($i % 7)), 0, 5 }
        $net = $spectra | New-BlaseEmulator -Kind Neural -HiddenUnits 16 -MaxEpochs 5 -BatchSize 8
        $net.LabelNames -join ',' | Should -Be 'Teff,LogG,Metallicity'
        $net.Training.Epochs | Should -Be 5
        $net.Training.ValidationCount | Should -Be 3
        $dir = [System.IO.Path]::Combine([System.IO.Path]::GetTempPath(), "blase-neural-$([guid]::NewGuid())")
        $null = [System.IO.Directory]::CreateDirectory($dir)
        try {
            $path = [System.IO.Path]::Combine($dir, 'net.npz')
            $net | Save-BlaseModel -Path $path -WhatIf
            $path | Should -Not -Exist
            ($net | Save-BlaseModel -Path $path).Length | Should -BeGreaterThan 0
            $net | Save-BlaseModel -Path ([System.IO.Path]::Combine($dir, 'net.hdf5')) -ErrorVariable err -ErrorAction SilentlyContinue
            $err[0].Exception.Message | Should -Match '\.npz'
            $back = Import-BlaseModel $path
            $back.GetType().Name | Should -Be 'NeuralEmulator'
            (Get-BlaseTemplate -Emulator $back -Teff 5000 -LogG 4.3 -Metallicity -0.2).Flux[9] |
                Should -Be (Get-BlaseTemplate -Emulator $net -Teff 5000 -LogG 4.3 -Metallicity -0.2).Flux[9]
        }
        finally { [System.IO.Directory]::Delete($dir, $true) }
    }

    It 'builds an emulator from a PHOENIX library folder, the spectra inside a box cut to a wavelength range' -Skip:(-not [System.IO.Directory]::Exists([System.IO.Path]::Combine([string]$BlaseDataRoot, 'phoenix'))) {
        $phoenix = [System.IO.Path]::Combine([string]$BlaseDataRoot, 'phoenix')
        $lib = [System.IO.Path]::Combine([System.IO.Path]::GetTempPath(), "blase-phoenix-$([guid]::NewGuid())")
        $null = [System.IO.Directory]::CreateDirectory([System.IO.Path]::Combine($lib, 'Z-0.0'))
        try {
            Copy-Item ([System.IO.Path]::Combine($phoenix, 'WAVE_PHOENIX-ACES-AGSS-COND-2011.fits')) $lib
            $cut = [System.IO.Path]::Combine($phoenix, 'lte05800-4.50-0.0.PHOENIX-ACES-AGSS-COND-2011-HiRes_5000-8000A.fits')
            foreach ($stem in 'lte05800-4.50-0.0', 'lte05900-4.50-0.0', 'lte05800-5.00-0.0', 'lte07000-4.50-0.0') {
                Copy-Item $cut ([System.IO.Path]::Combine($lib, 'Z-0.0', "$stem.PHOENIX-ACES-AGSS-COND-2011-HiRes.fits"))
            }
            $net = New-BlaseEmulator $lib -Teff 5000, 6000 -Wavelength 6000, 6002 -Kind Neural -HiddenUnits 4 -MaxEpochs 2 -ValidationFraction 0.25
            $net.LabelNames -join ',' | Should -Be 'Teff,LogG'
            $net.PixelCount | Should -Be 201
            $net.Training.TrainingCount + $net.Training.ValidationCount | Should -Be 3
            New-BlaseEmulator $lib -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            $err[0].Exception.Message | Should -Match 'Wavelength'
        }
        finally { [System.IO.Directory]::Delete($lib, $true) }
    }
}
