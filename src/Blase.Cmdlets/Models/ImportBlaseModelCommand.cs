using System.Management.Automation;
using Blase.Engine.Emulators.Payne;
using Blase.Engine.IO;
using Blase.Engine.Lines;

namespace Blase.Cmdlets.Models;

/// <summary>
/// <para type="synopsis">Reads saved models: line models (.fits from Save-BlaseModel, blasé's .csv) and The Payne networks (.npz).</para>
/// <para type="description">Import-BlaseModel reads each file named by -Path (wildcards allowed), by extension. A .fits file written by
/// Save-BlaseModel comes back as the identical line model; a .csv in blasé's convention (lam_center_A, ln_amplitude,
/// ln_sigma_A, ln_gamma_A) becomes a line model with the profile and mode given by -Profile and -Mode. A The Payne network in the
/// 2018 per-pixel layout (w_array_0, b_array_0, w_array_1, b_array_1, x_min, x_max) is returned as an object whose
/// Evaluate(labels) method gives the normalized flux; apogee_wavelength.npz and apogee_mask.npz beside it are read too
/// (or name them with -WavelengthFile and -MaskFile). A file that cannot be read is a non-terminating error.</para>
/// </summary>
/// <example>
/// <code>Import-BlaseModel ./sun.blase.fits | Get-BlaseLine | Where-Object Depth -gt 0.5</code>
/// <para>Reads a saved clone and lists its deepest lines.</para>
/// </example>
/// <example>
/// <code>$net = Import-BlaseModel ./payne/NN_normalized_spectra.npz; $flux = $net.Evaluate([double[]](4750, 2.5, 0, 0, 6))</code>
/// <para>Loads the network and predicts the spectrum of a 4750 K giant with solar abundances.</para>
/// </example>
[Cmdlet(VerbsData.Import, "BlaseModel")]
[OutputType(typeof(PayneNetwork), typeof(LineModel))]
public sealed class ImportBlaseModelCommand : BlaseCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [Alias("FullName")]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = Array.Empty<string>();

    /// <summary>The wavelengths of a Payne network's pixels (.npz), when not apogee_wavelength.npz beside it.</summary>
    [Parameter] public string? WavelengthFile { get; set; }

    /// <summary>The pixel mask of a Payne network (.npz), when not apogee_mask.npz beside it.</summary>
    [Parameter] public string? MaskFile { get; set; }

    /// <summary>The profile of the lines in a blasé .csv (the file does not say).</summary>
    [Parameter] public ProfileShape Profile { get; set; } = ProfileShape.PseudoVoigt;

    /// <summary>How the lines of a blasé .csv combine (the file does not say).</summary>
    [Parameter] public CombinationMode Mode { get; set; } = CombinationMode.Linear;

    protected override void ProcessRecord()
    {
        foreach (var path in ResolvePaths(Path, false))
        {
            try
            {
                switch (System.IO.Path.GetExtension(path).ToLowerInvariant())
                {
                    case ".csv":
                        WriteObject(LineModelFile.LoadBlaseCsv(path, Profile, Mode));
                        continue;
                    case ".fits" or ".fit":
                        WriteObject(LineModelFile.Load(path));
                        continue;
                    case ".npz":
                        break;
                    default:
                        throw new ArgumentException($"{path}: Import-BlaseModel reads line models (.fits, blasé .csv) and The Payne networks (.npz); spectra load with Import-BlaseSpectrum");
                }
                string? Resolve(string? p) => p is null ? null : SessionState.Path.GetUnresolvedProviderPathFromPSPath(p);
                var net = PayneNetwork.Load(path, Resolve(WavelengthFile), Resolve(MaskFile));
                WriteVerbose($"{path}: Payne network, {net.PixelCount} pixels, {net.LabelCount} labels, {net.HiddenCount} hidden units per pixel");
                WriteObject(net);
            }
            catch (Exception e) when (e is not PipelineStoppedException)
            {
                WriteError(ErrorFor(e, path));
            }
        }
    }
}
