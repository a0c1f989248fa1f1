using System.Management.Automation;
using Blase.Engine.Emulators.Neural;
using Blase.Engine.Emulators.Payne;
using Blase.Engine.Emulators.Starfish;
using Blase.Engine.IO;
using Blase.Engine.Lines;

namespace Blase.Cmdlets.Models;

/// <summary>
/// <para type="synopsis">Reads saved models: line models (.fits from Save-BlaseModel, blasé's .csv), The Payne networks (.npz) and Starfish emulators (.hdf5).</para>
/// <para type="description">Import-BlaseModel reads each file named by -Path (wildcards allowed), by extension. A .fits file written by
/// Save-BlaseModel comes back as the identical line model; a .csv in blasé's convention (lam_center_A, ln_amplitude,
/// ln_sigma_A, ln_gamma_A) becomes a line model with the profile and mode given by -Profile and -Mode. A The Payne network in the
/// 2018 per-pixel layout (w_array_0, b_array_0, w_array_1, b_array_1, x_min, x_max) is returned as an object whose
/// Evaluate(labels) method gives the normalized flux; apogee_wavelength.npz and apogee_mask.npz beside it are read too
/// (or name them with -WavelengthFile and -MaskFile). An HDF5 file in Starfish's emulator layout (written by Save-BlaseModel
/// or by Starfish's Emulator.save) comes back as a PCA + GP emulator for Get-BlaseTemplate. A file that cannot be read is a
/// non-terminating error.</para>
/// </summary>
/// <example>
/// <code>Import-BlaseModel ./sun.blase.fits | Get-BlaseLine | Where-Object Depth -gt 0.5</code>
/// <para>Reads a saved clone and lists its deepest lines.</para>
/// </example>
/// <example>
/// <code>$net = Import-BlaseModel ./payne/NN_normalized_spectra.npz; $flux = $net.Evaluate([double[]](4750, 2.5, 0, 0, 6))</code>
/// <para>Loads the network and predicts the spectrum of a 4750 K giant with solar abundances.</para>
/// </example>
/// <example>
/// <code>$e = Import-BlaseModel ./igrins-emulator.hdf5; Get-BlaseTemplate -Emulator $e -Teff 3850 -LogG 3.8 -Metallicity 0</code>
/// <para>Loads a saved Starfish emulator and emulates a spectrum between its grid points.</para>
/// </example>
[Cmdlet(VerbsData.Import, "BlaseModel", DefaultParameterSetName = "Path")]
[OutputType(typeof(PayneNetwork), typeof(NeuralEmulator), typeof(LineModel), typeof(PcaGpEmulator))]
public sealed class ImportBlaseModelCommand : BlaseCmdlet
{
    /// <summary>Model files to read (.fits, .csv, .npz, .hdf5); wildcards allowed.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = "Path", ValueFromPipeline = true)]
    [SupportsWildcards]
    [LiteralFile]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = Array.Empty<string>();

    /// <summary>Model files to read, taken as written (no wildcards). Files piped from Get-ChildItem bind here (PSPath, FullName).</summary>
    [Parameter(Mandatory = true, ParameterSetName = "LiteralPath", ValueFromPipelineByPropertyName = true)]
    [Alias("PSPath", "LP", "FullName")]
    [ValidateNotNullOrEmpty]
    public string[] LiteralPath { get; set; } = Array.Empty<string>();

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
        bool literal = ParameterSetName == "LiteralPath";
        foreach (var path in ResolvePaths(literal ? LiteralPath : Path, literal))
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
                    case ".hdf5" or ".h5" or ".hdf":
                        if (!StarfishEmulatorFile.IsEmulator(path))
                            throw new ArgumentException($"{path}: not a Starfish emulator file (a grid library builds one with New-BlaseEmulator; its spectra load with Import-BlaseSpectrum)");
                        var emulator = StarfishEmulatorFile.Load(path);
                        WriteVerbose($"{path}: PCA-GP emulator, {emulator.ComponentCount} components, {emulator.GridCount} grid spectra, labels {string.Join(", ", emulator.LabelNames)}");
                        WriteObject(emulator);
                        continue;
                    default:
                        throw new ArgumentException($"{path}: Import-BlaseModel reads line models (.fits, blasé .csv), The Payne networks (.npz) and Starfish emulators (.hdf5); spectra load with Import-BlaseSpectrum");
                }
                string? Resolve(string? p) => p is null ? null : SessionState.Path.GetUnresolvedProviderPathFromPSPath(p);
                if (NeuralEmulator.IsFullyConnected(path))
                {
                    var fc = NeuralEmulator.Load(path, Resolve(WavelengthFile), Resolve(MaskFile));
                    WriteVerbose($"{path}: fully connected Payne network, {fc.PixelCount} pixels, {fc.LabelCount} labels, {fc.HiddenCount} hidden units per layer");
                    WriteObject(fc);
                    continue;
                }
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
