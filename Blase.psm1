# Script glue for the Blase module: loads the compiled cmdlets and gives their objects flat properties. Argument
# completers are attributes on the cmdlets' parameters (src/Blase.Cmdlets/Completion); enum parameters (-Format, -Device)
# complete their values without one (PowerShell completes an enum before any custom completer).
# It uses only core cmdlets and .NET, so it loads under the hosted engine of `blase` as well as in pwsh.
# The dll sits beside this file in a built or packaged module (out/Blase, a project's bin folder); from a
# source checkout, build first: ./build.ps1 Build (or dotnet build), which also fills out/Blase.
$candidates = @(
    [System.IO.Path]::Combine($PSScriptRoot, 'Blase.Cmdlets.dll'),
    [System.IO.Path]::Combine($PSScriptRoot, 'out', 'Blase', 'Blase.Cmdlets.dll')
)
$dll = $null
foreach ($c in $candidates) { if ([System.IO.File]::Exists($c)) { $dll = $c; break } }
if (-not $dll) {
    throw "Blase.Cmdlets.dll was not found beside $PSScriptRoot. Build the module first: ./build.ps1 Package (or dotnet build), then import out/Blase/Blase.psd1."
}
Import-Module -Name $dll -ErrorAction Stop

# Spectra, line models and transfer results adapt only their flat properties (numbers, strings, enums), so Export-Csv
# of them gives useful columns; arrays and nested objects stay reachable by name (see FlatRecordAdapter.cs).
foreach ($flatType in 'Blase.Engine.Spectra.Spectrum', 'Blase.Engine.Lines.LineModel', 'Blase.Engine.Transfer.TransferResult') {
    Update-TypeData -TypeName $flatType -TypeAdapter ([Blase.Cmdlets.FlatRecordAdapter]) -Force
}

Export-ModuleMember -Cmdlet * -Function * -Alias *
