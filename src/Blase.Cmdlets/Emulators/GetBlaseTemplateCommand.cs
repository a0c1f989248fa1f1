using System.Management.Automation;
using Blase.Engine.Emulators;
using Blase.Engine.Emulators.Starfish;
using Blase.Engine.Spectra;

namespace Blase.Cmdlets.Emulators;

/// <summary>
/// <para type="synopsis">Gets a template spectrum from a grid emulator at any stellar labels inside its grid.</para>
/// <para type="description">Get-BlaseTemplate evaluates an emulator from New-BlaseEmulator or Import-BlaseModel at -Teff, -LogG,
/// -Metallicity (and -Alpha), or at -Label, the values in the emulator's own label order (its LabelNames). The result is a
/// spectrum whose flux is the emulator's mean and whose uncertainty is its 1-sigma per pixel; with -Sample it is one draw from
/// the emulator's distribution instead. Labels outside the grid are an error unless -Extrapolate is given (the uncertainty then
/// grows quickly). The labels bind by property name, so a table of stars can be piped in. The spectrum feeds Invoke-BlaseClone
/// like any other template.</para>
/// </summary>
/// <example>
/// <code>$e = Import-BlaseModel ./igrins-emulator.hdf5
/// Get-BlaseTemplate -Emulator $e -Teff 3950 -LogG 3.75 -Metallicity 0 | Invoke-BlaseClone</code>
/// <para>Loads a saved emulator of the IGRINS grid, emulates a 3950 K, log g 3.75 star between the grid's points and clones it into a line model.</para>
/// </example>
/// <example>
/// <code>$e = Import-BlaseModel ./igrins-emulator.hdf5
/// 1..20 | ForEach-Object { Get-BlaseTemplate -Emulator $e -Label 3850, 3.75, 0.1 -Sample -Seed $_ }</code>
/// <para>Draws twenty spectra from the emulator's distribution at one set of labels, to see how uncertain it is there.</para>
/// </example>
/// <example>
/// <code>$e = Import-BlaseModel ./igrins-emulator.hdf5
/// $null = New-Item -ItemType Directory ./templates
/// Import-Csv ./stars.csv | Get-BlaseTemplate -Emulator $e | Export-BlaseSpectrum -Path ./templates</code>
/// <para>Makes one template per row of a table with Teff, LogG and Metallicity columns and writes each into the new folder ./templates.</para>
/// </example>
[Cmdlet(VerbsCommon.Get, "BlaseTemplate", DefaultParameterSetName = "Named")]
[OutputType(typeof(Spectrum))]
public sealed class GetBlaseTemplateCommand : BlaseCmdlet
{
    /// <summary>The emulator (from New-BlaseEmulator or Import-BlaseModel): a PCA + GP emulator, or a neural network (its flux, without an uncertainty).</summary>
    [Parameter(Mandatory = true)]
    [ValidateNotNull]
    public ISpectralEmulator Emulator { get; set; } = null!;

    /// <summary>Effective temperature (K).</summary>
    [Parameter(ParameterSetName = "Named", ValueFromPipelineByPropertyName = true)]
    public double? Teff { get; set; }

    /// <summary>Surface gravity, log10 of g in cgs.</summary>
    [Parameter(ParameterSetName = "Named", ValueFromPipelineByPropertyName = true)]
    public double? LogG { get; set; }

    /// <summary>Metallicity [Fe/H] (dex).</summary>
    [Parameter(ParameterSetName = "Named", ValueFromPipelineByPropertyName = true)]
    [Alias("FeH", "Z")]
    public double? Metallicity { get; set; }

    /// <summary>Alpha enhancement [alpha/Fe] (dex), for grids that vary it or hold it at one value.</summary>
    [Parameter(ParameterSetName = "Named", ValueFromPipelineByPropertyName = true)]
    public double? Alpha { get; set; }

    /// <summary>All labels at once, in the emulator's own order (see its LabelNames).</summary>
    [Parameter(Mandatory = true, ParameterSetName = "Label", ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public double[] Label { get; set; } = Array.Empty<double>();

    /// <summary>Return one draw from the emulator's distribution instead of its mean.</summary>
    [Parameter] public SwitchParameter Sample { get; set; }

    /// <summary>Seed for -Sample, for reproducible draws.</summary>
    [Parameter] public int? Seed { get; set; }

    /// <summary>Allow labels outside the grid (the emulator's uncertainty grows quickly there).</summary>
    [Parameter] public SwitchParameter Extrapolate { get; set; }

    private Random? _random;

    protected override void ProcessRecord()
    {
        object target = ParameterSetName == "Label" ? Label : new { Teff, LogG, Metallicity, Alpha };
        try
        {
            double[] labels;
            if (ParameterSetName == "Label") labels = Label;
            else
            {
                var named = new Dictionary<string, double>();
                if (Teff is { } t) named["Teff"] = t;
                if (LogG is { } g) named["LogG"] = g;
                if (Metallicity is { } z) named["Metallicity"] = z;
                if (Alpha is { } a) named["Alpha"] = a;
                labels = EmulatorTemplate.Labels(Emulator, named);
            }
            if (Sample) _random ??= Seed is { } s ? new Random(s) : new Random();
            var spectrum = EmulatorTemplate.ToSpectrum(Emulator, labels, Sample ? _random : null, Extrapolate);
            if (!EmulatorTemplate.Contains(Emulator, labels)) WriteWarning($"{spectrum.Name}: outside the grid, extrapolated");
            WriteObject(spectrum);
        }
        catch (Exception e) when (e is not PipelineStoppedException)
        {
            var record = ErrorFor(e, target);
            if (e is ArgumentOutOfRangeException)
                record.ErrorDetails.RecommendedAction = "Give labels inside the grid (see the emulator's LabelMin and LabelMax), or add -Extrapolate.";
            WriteError(record);
        }
    }
}
