using System.Management.Automation;
using Blase.Engine.Emulators.Payne;

namespace Blase.Cmdlets.Models;

/// <summary>
/// <para type="synopsis">Reads saved models: The Payne neural-network emulators (.npz).</para>
/// <para type="description">Import-BlaseModel reads each file named by -Path (wildcards allowed). A The Payne network in the
/// 2018 per-pixel layout (w_array_0, b_array_0, w_array_1, b_array_1, x_min, x_max) is returned as an object whose
/// Evaluate(labels) method gives the normalized flux; apogee_wavelength.npz and apogee_mask.npz beside it are read too
/// (or name them with -WavelengthFile and -MaskFile). A file that cannot be read is a non-terminating error.</para>
/// </summary>
/// <example>
/// <code>$net = Import-BlaseModel ./payne/NN_normalized_spectra.npz; $flux = $net.Evaluate([double[]](4750, 2.5, 0, 0, 6))</code>
/// <para>Loads the network and predicts the spectrum of a 4750 K giant with solar abundances.</para>
/// </example>
[Cmdlet(VerbsData.Import, "BlaseModel")]
[OutputType(typeof(PayneNetwork))]
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

    protected override void ProcessRecord()
    {
        foreach (var path in ResolvePaths(Path, false))
        {
            try
            {
                if (!path.EndsWith(".npz", StringComparison.OrdinalIgnoreCase))
                    throw new ArgumentException($"{path}: Import-BlaseModel reads The Payne networks (.npz); spectra load with Import-BlaseSpectrum");
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
