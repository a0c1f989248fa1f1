# The recipe of examples/nightly.ps1 (Invoke-BlaseBatch -Recipe): reduce HPF spectra around 8660–8760 Å with a 3900 K PHOENIX
# template. Each section is splatted onto the cmdlet it names, so any of their parameters may be set here (Get-Help
# Invoke-BlaseTransfer -Parameter *). Relative paths are relative to this file. Changing anything here makes the next
# batch redo every input (the manifests record this recipe's hash); reformatting it does not.
@{
    # The template, cloned once per output folder (kept in <output>/.blase/clone-<hash>.fits); or Model = 'clone.fits'.
    Template       = '../../shared/data/phoenix/Z_band_test_sample_lte03900-PHOENIX-ACES.dat'
    TemplateSelect = @{ Wavelength = 8630, 8800 }
    Clone          = @{ Teff = 3900 }
    # Telluric = 'tellurics.blase.fits'   # a saved telluric clone, fitted with the star (and e.g. TelluricMask = 0.02 below)
    # Each input: the part the template covers.
    Select         = @{ Wavelength = 8660, 8760 }
    # RV, v sin i and the continuum free, the lines as cloned: robust on a nightly mix of targets. The barycentric
    # correction comes from each file's header (HPF's BRVCORR).
    Transfer       = @{ Free = 'RadialVelocity', 'Vsini', 'Continuum'; MaxIterations = 50 }
    # Per input: <name>.transfer.csv (RV, v sin i, R ± σ, χ², RMS) and <name>.lines.csv (every line before and after).
    Outputs        = 'Result', 'Lines'
}
