@{
    RootModule           = 'Blase.psm1'
    ModuleVersion        = '0.1.0'
    GUID                 = '6f1c6a0e-2b7e-4a53-9d8e-3c5b1f0a7d42'
    Author               = 'Blase developers'
    Description          = 'Clone synthetic stellar spectra into interpretable line models and fit them to echelle spectra (the blase method), with grid emulators.'
    PowerShellVersion    = '7.4'
    CompatiblePSEditions = @('Core')
    FormatsToProcess     = @('Blase.format.ps1xml')
    CmdletsToExport      = @(
        'Import-BlaseSpectrum', 'Export-BlaseSpectrum', 'Select-BlaseSpectrum', 'Convert-BlaseSpectrum',
        'Get-BlaseDevice', 'Import-BlaseModel', 'Invoke-BlaseClone', 'Find-BlaseLine', 'Get-BlaseLine',
        'Export-BlaseLines', 'Save-BlaseModel', 'Invoke-BlaseTransfer', 'Measure-BlaseResidual',
        'New-BlaseEmulator', 'Get-BlaseTemplate', 'Export-BlasePlot'
    )
    FunctionsToExport    = @()
    AliasesToExport      = @()
    VariablesToExport    = @()
    PrivateData          = @{ PSData = @{ Tags = @('astronomy', 'spectroscopy', 'GPU'); ProjectUri = '' } }
}
