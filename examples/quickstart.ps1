# Blase quickstart: runs on a fresh machine with no data beside it.
#   dotnet run --project src/Blase.Host -- examples/quickstart.ps1
# It makes a small synthetic spectrum (a few absorption lines on a flat continuum, 5000-5010 A), writes it to FITS,
# reads it back through Import-BlaseSpectrum, clones it into a line model and writes the line list and the model.
# It grows with each capability of Blase.
# Under `blase` only core cmdlets, Blase's own and .NET are available.
param([string]$OutFolder = [System.IO.Path]::Combine([System.IO.Path]::GetTempPath(), 'blase-quickstart'))

$null = [System.IO.Directory]::CreateDirectory($OutFolder)
$n = 2001
$wavelength = [double[]]::new($n)
$flux = [double[]]::new($n)
$sigma = [double[]]::new($n)
$lines = @(@{ Center = 5002.0; Depth = 0.6; Width = 0.05 }, @{ Center = 5004.7; Depth = 0.3; Width = 0.08 }, @{ Center = 5007.9; Depth = 0.8; Width = 0.04 })
# Each line is half Gaussian, half Lorentzian (of the same half width), like a stellar line.
for ($i = 0; $i -lt $n; $i++) {
    $wavelength[$i] = 5000.0 + 0.005 * $i
    $f = 1.0
    foreach ($l in $lines) {
        $d = ($wavelength[$i] - $l.Center) / $l.Width
        $f *= 1 - $l.Depth * (0.5 * [math]::Exp(-0.5 * $d * $d) + 0.5 / (1 + $d * $d))
    }
    $flux[$i] = $f
    $sigma[$i] = 0.01
}
$meta = [Blase.Engine.Spectra.SpectrumMetadata]::new()
$meta.Object = 'Quickstart synthetic star'
$meta.Instrument = 'Blase quickstart'
$synthetic = [Blase.Engine.Spectra.Spectrum]::FromArrays($wavelength, $flux, $sigma, 'Angstrom', 'Vacuum', $meta)

$path = [System.IO.Path]::Combine($OutFolder, 'quickstart.fits')
$file = $synthetic | Export-BlaseSpectrum -Path $path -Force
$spectrum = Import-BlaseSpectrum -Path $file.FullName

"Blase quickstart: wrote and read back $($file.FullName)"
$spectrum
$deepest = 0; $at = 0
for ($i = 0; $i -lt $spectrum.PixelCount; $i++) { if (1 - $spectrum.Flux[$i] -gt $deepest) { $deepest = 1 - $spectrum.Flux[$i]; $at = $spectrum.Wavelength[$i] } }
'Deepest line: {0:F1} % at {1:F3} A; in air that is {2:F3} A' -f (100 * $deepest), $at, [Blase.Engine.Spectra.AirVacuum]::VacuumToAir($at)
'Provenance:'
$spectrum.Provenance | ForEach-Object { "  - $_" }

# Clone: find the lines and fit each one's centre, amplitude and widths.
$model = $spectrum | Invoke-BlaseClone -Normalized
'Clone: {0} lines, {1} iterations in {2:F2} s, RMS residual {3:E2}' -f $model.Count, $model.Report.Training.Epochs, $model.Report.Training.Seconds, $model.Report.RmsNative
$model | Get-BlaseLine | ForEach-Object {
    '  line {0}: centre {1:F4} A, depth {2:F3}, FWHM {3:F4} A, EW {4:F4} A' -f $_.Index, $_.CenterAngstrom, $_.Depth, $_.FwhmAngstrom, $_.EquivalentWidthAngstrom
}
$csv = $model | Export-BlaseLines -Path ([System.IO.Path]::Combine($OutFolder, 'lines.csv')) -Force
$saved = $model | Save-BlaseModel -Path ([System.IO.Path]::Combine($OutFolder, 'quickstart.blase.fits')) -Force
"Line list: $($csv.FullName)"
"Model:     $($saved.FullName)"
