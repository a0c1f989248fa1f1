# Blase quickstart: the whole job on a built-in default, on a fresh machine with no data beside it.
#   dotnet run --project src/Blase.Host -- examples/quickstart.ps1
# 1. Makes a synthetic template: 300 absorption lines over 8600-8700 A on the native PHOENIX sampling (0.01 A), writes it
#    to FITS and reads it back through Import-BlaseSpectrum.
# 2. Clones it into a line model (Invoke-BlaseClone).
# 3. Simulates an observation of that star: RV +12.3 km/s, v sin i 7 km/s, R 55,000 on HPF-like 0.06 A pixels, a cubic
#    continuum, S/N 200, and 5 % of the lines 30 % stronger or weaker than in the template.
# 4. Transfers the clone to the observation (Invoke-BlaseTransfer) and prints the recovered RV, v sin i and line changes.
param([string]$OutFolder = [System.IO.Path]::Combine([System.IO.Path]::GetTempPath(), 'blase-quickstart'))

$null = [System.IO.Directory]::CreateDirectory($OutFolder)
$lines = [Blase.Engine.Transfer.ObservationSimulator]::SyntheticLines(300, 8598, 8702, 21)
$wavelength = [double[]]::new(10401)
for ($i = 0; $i -lt $wavelength.Length; $i++) { $wavelength[$i] = 8596.0 + 0.01 * $i }
$meta = [Blase.Engine.Spectra.SpectrumMetadata]::new()
$meta.Object = 'Quickstart synthetic template'
$template = [Blase.Engine.Spectra.Spectrum]::FromArrays($wavelength, $lines.Evaluate($wavelength), $null, 'Angstrom', 'Vacuum', $meta)
$file = $template | Export-BlaseSpectrum -Path ([System.IO.Path]::Combine($OutFolder, 'template.fits')) -Force
$template = Import-BlaseSpectrum -Path $file.FullName
"Template: $template"

$clone = $template | Invoke-BlaseClone -Normalized
'Clone: {0} lines, {1} iterations in {2:F2} s, RMS residual {3:E2}' -f $clone.Count, $clone.Report.Training.Epochs, $clone.Report.Training.Seconds, $clone.Report.RmsNative

# The star as observed: some lines differ from the template, as a real star's would.
$star = $clone.Clone()
$random = [System.Random]::new(8)
$changed = 0..($star.Count - 1) | Where-Object { $random.NextDouble() -lt 0.05 }
foreach ($j in $changed) { $star.LnAmplitude[$j] += [math]::Log((0.7, 1.3)[$random.Next(2)]) }
$pixels = [double[]]::new(1668)
for ($i = 0; $i -lt $pixels.Length; $i++) { $pixels[$i] = 8600.0 + 0.06 * $i }
$continuum = [System.Func[double, double]] { param($w) $x = ($w - 8650) / 50; 1000 * (1 + 0.05 * $x - 0.03 * $x * $x + 0.02 * $x * $x * $x) }
$order = [Blase.Engine.Transfer.ObservationSimulator]::Observe($star, $pixels, 12.3, 7.0, 0.6, 55000, $continuum, 200, 99, 0)
$observed = [Blase.Engine.Spectra.Spectrum]::new([Blase.Engine.Spectra.SpectralOrder[]]@($order))
"Observation: $observed (RV +12.3 km/s, v sin i 7 km/s, R 55000, S/N 200, $($changed.Count) lines changed)"

$result = $observed | Invoke-BlaseTransfer -Model $clone -BarycentricCorrection 0
'Transfer: RV {0:F3} +/- {1:F3} km/s (true 12.300), v sin i {2:F2} +/- {3:F2} km/s (true 7.00), chi2/nu {4:F2}, {5:F2} s' -f `
    $result.RadialVelocity, $result.RadialVelocityError, $result.Vsini, $result.VsiniError, $result.ReducedChiSquare, $result.Seconds
$records = @($result | Get-BlaseLine)
$closer = @($changed | Where-Object { [math]::Abs($result.Model.LnAmplitude[$_] - $star.LnAmplitude[$_]) -lt [math]::Abs($clone.LnAmplitude[$_] - $star.LnAmplitude[$_]) }).Count
"Lines: $($result.LinesFitted) fitted; of the $($changed.Count) changed lines, $closer moved toward their true amplitude"
$csv = $result | Export-BlaseLines -Path ([System.IO.Path]::Combine($OutFolder, 'line-changes.csv')) -Force
$saved = $result.Model | Save-BlaseModel -Path ([System.IO.Path]::Combine($OutFolder, 'transferred.blase.fits')) -Force
"Line changes: $($csv.FullName) ($($records.Count) lines)"
"Model:        $($saved.FullName)"
