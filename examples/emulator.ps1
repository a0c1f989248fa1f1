# A Starfish-style grid emulator: build it from a grid library, draw templates between the grid points with their
# uncertainty, save it in Starfish's emulator layout and read it back.
#   dotnet run --project src/Blase.Host -- examples/emulator.ps1 [-Grid <grid.hdf5>] [-OutFolder <folder>]
# By default it uses the IGRINS K-band grid in ../shared/data/grids (54 PHOENIX spectra, Teff 3500-4300 K,
# logg 3.5/4.0, [Fe/H] -0.5/0/+0.5; Husser et al. 2013, via Starfish, Czekala et al. 2015).
param(
    [string]$Grid = [System.IO.Path]::Combine($PSScriptRoot, '..', '..', 'shared', 'data', 'grids', 'PHOENIX_IGRINS_m075.hdf5'),
    [string]$OutFolder = [System.IO.Path]::Combine([System.IO.Path]::GetTempPath(), 'blase-emulator')
)
if (-not [System.IO.File]::Exists($Grid)) { throw "no grid at ${Grid}: give one with -Grid (a Starfish HDF5 grid library)" }
$null = [System.IO.Directory]::CreateDirectory($OutFolder)

# 99.9 % of the whitened grid's variance: 9 components on this grid.
$emulator = New-BlaseEmulator -Path $Grid -ExplainedVariance 0.999 -Verbose
$emulator

# A template between grid points in every label, with the emulator's 1-sigma per pixel as its uncertainty.
$template = Get-BlaseTemplate -Emulator $emulator -Teff 3850 -LogG 3.75 -Metallicity 0.25
$template
$relative = 0; for ($i = 0; $i -lt $template.PixelCount; $i++) { $relative += $template.Uncertainty[$i] / $template.Flux[$i] }
'Mean 1-sigma of the emulated flux: {0:F3} %' -f (100 * $relative / $template.PixelCount)

# Three draws from the emulator's distribution at the same labels: they differ by about that much.
1..3 | ForEach-Object { $d = Get-BlaseTemplate -Emulator $emulator -Label 3850, 3.75, 0.25 -Sample -Seed $_; 'draw {0}: flux[1000] = {1:G6}' -f $_, $d.Flux[1000] }

# Saved in Starfish's layout (grid_points, eigenspectra, w_hat, hyperparameters/..., plus Blase's extras) and read back.
$file = $emulator | Save-BlaseModel -Path ([System.IO.Path]::Combine($OutFolder, 'igrins-emulator.hdf5')) -Force
$back = Import-BlaseModel $file.FullName
'Read back {0}: the same flux at pixel 1000: {1}' -f $file.Name, ((Get-BlaseTemplate -Emulator $back -Label 3850, 3.75, 0.25).Flux[1000] -eq $template.Flux[1000])

# Outside the grid is an error unless asked for.
Get-BlaseTemplate -Emulator $emulator -Teff 4500 -LogG 4 -Metallicity 0 -ErrorAction SilentlyContinue -ErrorVariable outside
'Outside the grid: {0}' -f $outside[0].Exception.Message
