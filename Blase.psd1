@{
    RootModule           = 'Blase.psm1'
    ModuleVersion        = '0.1.0'
    GUID                 = '6f1c6a0e-2b7e-4a53-9d8e-3c5b1f0a7d42'
    Author               = 'Blase developers'
    CompanyName          = 'Blase developers'
    Copyright            = '(c) Blase developers. DejaVu Sans (the plots'' font): Bitstream Vera licence, see DejaVuSans.LICENSE.txt.'
    Description          = 'Clone synthetic stellar spectra into interpretable line models and fit them to echelle spectra (the blase method of Gully-Santiago & Morley 2022): RV, v sin i, resolution and every line at once, on a CUDA GPU when there is one; Starfish-style PCA + GP grid emulators; FITS, Excel and PNG outputs.'
    PowerShellVersion    = '7.4'
    CompatiblePSEditions = @('Core')
    FormatsToProcess     = @('Blase.format.ps1xml')
    TypesToProcess       = @('Blase.types.ps1xml')
    CmdletsToExport      = @(
        'Import-BlaseSpectrum', 'Export-BlaseSpectrum', 'Select-BlaseSpectrum', 'Convert-BlaseSpectrum',
        'Get-BlaseDevice', 'Import-BlaseModel', 'Invoke-BlaseClone', 'Find-BlaseLine', 'Get-BlaseLine',
        'Export-BlaseLines', 'Save-BlaseModel', 'Invoke-BlaseTransfer', 'Measure-BlaseResidual', 'Invoke-BlaseBatch',
        'New-BlaseEmulator', 'Get-BlaseTemplate', 'Invoke-BlaseLabelFit', 'Export-BlasePlot'
    )
    FunctionsToExport    = @()
    AliasesToExport      = @()
    VariablesToExport    = @()
    # ProjectUri and LicenseUri are left out until the project has a public home and a licence: a manifest must not
    # point at an address or licence that does not exist.
    PrivateData          = @{
        PSData = @{
            Tags = @('astronomy', 'astrophysics', 'spectroscopy', 'stellar-spectra', 'radial-velocity', 'FITS', 'echelle',
                     'PHOENIX', 'emulator', 'GPU', 'CUDA', 'Linux', 'Windows', 'MacOS', 'PSEdition_Core')
        }
    }
}
