using System.Management.Automation;
using Blase.Engine.Emulators.Neural;
using Blase.Engine.Emulators.Starfish;
using Blase.Engine.IO;
using Blase.Engine.Lines;

namespace Blase.Cmdlets.Lines;

/// <summary>
/// <para type="synopsis">Saves a line model to a versioned FITS file, or a grid emulator (Starfish's HDF5 emulator layout, or The Payne's .npz for a network); all round-trip every number exactly.</para>
/// <para type="description">A line model's file has a primary header (format version, profile, combination mode, window settings, continuum,
/// provenance as HISTORY) and a binary table LINES with blasé's columns lam_center_A, ln_amplitude, ln_sigma_A, ln_gamma_A
/// as 64-bit floats. Python reads it with astropy.io.fits. A PCA + GP emulator (New-BlaseEmulator) is written in Starfish's
/// emulator layout (grid_points, wavelength, weights, eigenspectra, flux_mean, flux_std, w_hat, factors,
/// hyperparameters/{lambda_xi, variances, lengthscales}), which Starfish's Emulator.load reads. A neural network
/// (New-BlaseEmulator -Kind Neural) is written as a NumPy .npz in The Payne's keys (w_array_0..2, b_array_0..2, x_min, x_max,
/// plus wavelength, mask and the label names), which The Payne's own code loads. Import-BlaseModel reads each back. Files are written to a temporary name and renamed; an existing file is kept unless -Force is given.</para>
/// </summary>
/// <example>
/// <code>Import-BlaseSpectrum ./sun.fits -Wavelength 6200, 6250 | Invoke-BlaseClone | Save-BlaseModel -Path sun-6200.blase.fits</code>
/// <para>Clones 50 Å of a template and keeps the model for later transfers.</para>
/// </example>
/// <example>
/// <code>New-BlaseEmulator ./grids/PHOENIX_IGRINS_m075.hdf5 | Save-BlaseModel -Path igrins-emulator.hdf5 -Force</code>
/// <para>Trains an emulator of a grid and writes it in Starfish's emulator layout, replacing an older file.</para>
/// </example>
/// <example>
/// <code>New-BlaseEmulator ./grids/PHOENIX_IGRINS_m075.hdf5 -Kind Neural -MaxEpochs 30 | Save-BlaseModel -Path igrins-network.npz</code>
/// <para>Trains a neural-network emulator of a grid and writes it in The Payne's .npz layout.</para>
/// </example>
[Cmdlet(VerbsData.Save, "BlaseModel", SupportsShouldProcess = true, DefaultParameterSetName = "LineModel")]
[OutputType(typeof(FileInfo))]
public sealed class SaveBlaseModelCommand : BlaseCmdlet
{
    /// <summary>The line model to save.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = "LineModel")]
    public LineModel InputObject { get; set; } = null!;

    /// <summary>The PCA + GP emulator to save (Starfish's HDF5 emulator layout).</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = "Emulator")]
    public PcaGpEmulator Emulator { get; set; } = null!;

    /// <summary>The neural-network emulator to save (The Payne's .npz key layout).</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = "Network")]
    public NeuralEmulator Network { get; set; } = null!;

    /// <summary>The file to write; its extension decides the format: .fits for a line model (.csv for blasé's CSV of its lines); .hdf5 or .h5 for a PCA + GP emulator; .npz for a neural network. Any other extension is refused.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    /// <summary>Overwrite an existing file.</summary>
    [Parameter] public SwitchParameter Force { get; set; }

    protected override void ProcessRecord()
    {
        string target = SessionState.Path.GetUnresolvedProviderPathFromPSPath(Path);
        // The extension decides the format, or the file is refused: a .csv must not hold FITS.
        if (ParameterSetName == "Network")
        {
            if (!CheckExtension(target, "Save-BlaseModel of a neural network", (".npz", "The Payne's NumPy archive"))) return;
            WriteFile(target, $"Save a neural network of {Network.PixelCount} pixels", Force, t => Network.Save(t));
        }
        else if (ParameterSetName == "Emulator")
        {
            if (!CheckExtension(target, "Save-BlaseModel of an emulator", (".hdf5", "Starfish HDF5"), (".h5", "Starfish HDF5"))) return;
            WriteFile(target, $"Save a PCA-GP emulator of {Emulator.ComponentCount} components", Force,
                t => StarfishEmulatorFile.Save(Emulator, t));
        }
        else
        {
            if (!CheckExtension(target, "Save-BlaseModel of a line model", (".fits", "FITS"), (".fit", "FITS"), (".csv", "blasé's CSV (lines only)"))) return;
            bool csv = System.IO.Path.GetExtension(target).Equals(".csv", StringComparison.OrdinalIgnoreCase);
            WriteFile(target, $"Save a model of {InputObject.Count} lines", Force,
                t => { if (csv) LineModelFile.SaveBlaseCsv(InputObject, t); else LineModelFile.Save(InputObject, t); });
        }
    }
}
