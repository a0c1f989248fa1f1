using Blase.Cmdlets.Completion;
using System.Management.Automation;
using Blase.Engine.IO.Formats;
using Blase.Engine.Spectra;

namespace Blase.Cmdlets.Spectra;

/// <summary>
/// <para type="synopsis">Reads spectra from PHOENIX, HPF, IGRINS, FITS-table, text and Starfish-grid files.</para>
/// <para type="description">Import-BlaseSpectrum reads each file named by -Path (wildcards allowed) and emits one spectrum
/// object per spectrum in it (a Starfish grid emits one per grid point). The format is recognized from the content;
/// -Format forces one. Wavelengths are returned in ångström. A file that cannot be read is a non-terminating error
/// and the other files are still read.</para>
/// </summary>
/// <example>
/// <code>Import-BlaseSpectrum -Path ./hpf/Goldilocks_*.fits | ForEach-Object { $_.Orders.Count }</code>
/// <para>Reads every Goldilocks file in ./hpf and prints how many orders each has (28 for HPF).</para>
/// </example>
/// <example>
/// <code>Import-BlaseSpectrum ./phoenix -Teff 5800 -LogG 4.5 -Metallicity 0 -Wavelength 6000, 6100</code>
/// <para>Finds the 5800 K PHOENIX spectrum in a library folder (Z-0.0/lte05800-4.50-0.0…) and keeps 6000–6100 Å.</para>
/// </example>
/// <example>
/// <code>Import-BlaseSpectrum ./hpf/*.fits, ./phoenix/*.fits -ErrorVariable bad -ErrorAction SilentlyContinue; $bad | ForEach-Object { $_.TargetObject }</code>
/// <para>Reads whole folders; files (here the PHOENIX WAVE files, which hold no flux) that cannot be read are collected in $bad and the others still come through.</para>
/// </example>
/// <example>
/// <code>Import-BlaseSpectrum ./telluric/telfit_example_Model.dat -WavelengthColumn 1 -FluxColumn 2 -WavelengthUnit Nanometer</code>
/// <para>Reads a text file whose header does not name its columns or unit (a TelFit model: nm and transmission).</para>
/// </example>
[Cmdlet(VerbsData.Import, "BlaseSpectrum", DefaultParameterSetName = "Path")]
[OutputType(typeof(Spectrum))]
public sealed class ImportBlaseSpectrumCommand : BlaseCmdlet
{
    /// <summary>Files to read (wildcards allowed; one that matches nothing is an error), or with -Teff/-LogG a PHOENIX library folder.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = "Path", ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = "Library", ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [LiteralFile]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = Array.Empty<string>();

    /// <summary>Files to read, taken as written (no wildcards). Files piped from Get-ChildItem bind here (PSPath, FullName), so a name with [1] in it is read as it is.</summary>
    [Parameter(Mandatory = true, ParameterSetName = "LiteralPath", ValueFromPipelineByPropertyName = true)]
    [Alias("PSPath", "LP", "FullName")]
    [ValidateNotNullOrEmpty]
    public string[] LiteralPath { get; set; } = Array.Empty<string>();

    /// <summary>The file format; Auto (the default) recognizes it from the content.</summary>
    [Parameter]
    public SpectrumFormat Format { get; set; } = SpectrumFormat.Auto;

    /// <summary>Keep only these orders (their numbers in the file, from 0; Tab completes them from the file -Path names). All orders by default.</summary>
    [Parameter]
    [ArgumentCompleter(typeof(OrderCompleter))]
    public int[]? Order { get; set; }

    /// <summary>Keep only pixels with min ≤ λ ≤ max (Å).</summary>
    [Parameter]
    [ValidateCount(2, 2)]
    public double[]? Wavelength { get; set; }

    /// <summary>A separate wavelength file: the PHOENIX WAVE file, or an HPF wavelength solution.</summary>
    [Parameter]
    public string? WavelengthFile { get; set; }

    /// <summary>HPF: which fiber to read, Sci (the default), Sky or Cal.</summary>
    [Parameter]
    [ValidateSet("Sci", "Sky", "Cal")]
    public string Fiber { get; set; } = "Sci";

    /// <summary>IGRINS: the extension that holds the flux (default SPEC_DIVIDE_A0V; TGT_SPEC for the raw target). A name the file lacks, or any name for a file of another format, is refused.</summary>
    [Parameter]
    public string? FluxExtension { get; set; }

    /// <summary>Text and FITS tables: the wavelength column, by name or 1-based number. Default: recognized by its name (wavelength, wave, lambda, …).</summary>
    [Parameter] public string? WavelengthColumn { get; set; }

    /// <summary>Text and FITS tables: the flux column, by name or 1-based number. Default: recognized by its name (flux, spec, intensity, …).</summary>
    [Parameter] public string? FluxColumn { get; set; }

    /// <summary>Text and FITS tables: the uncertainty column, by name or 1-based number. Default: recognized by its name (uncertainty, error, sigma, …), else none.</summary>
    [Parameter] public string? UncertaintyColumn { get; set; }

    /// <summary>The unit of a text file's wavelengths, when neither its header nor its values make it clear.</summary>
    [Parameter]
    public WavelengthUnit? WavelengthUnit { get; set; }

    /// <summary>Air or Vacuum: the medium of the wavelengths of a file that does not state it (text files, FITS tables without BLASEMED, Starfish grids without an 'air' attribute; default vacuum, air for Starfish grids). It labels and does not convert: naming the other medium for a file that states its own (PHOENIX, HPF and IGRINS are vacuum) is refused; convert with Convert-BlaseSpectrum -Medium.</summary>
    [Parameter]
    public WavelengthMedium? Medium { get; set; }

    /// <summary>PHOENIX library search: the effective temperature in K of the spectrum to read from the library folder -Path (Tab offers the values the folder holds).</summary>
    [Parameter(Mandatory = true, ParameterSetName = "Library")] [ArgumentCompleter(typeof(PhoenixLabelCompleter))] public double Teff { get; set; }

    /// <summary>PHOENIX library search: log g (cgs) of the spectrum to read (Tab offers the values the folder holds at the -Teff given).</summary>
    [Parameter(Mandatory = true, ParameterSetName = "Library")] [ArgumentCompleter(typeof(PhoenixLabelCompleter))] public double LogG { get; set; }

    /// <summary>PHOENIX library search: [Fe/H] in dex (Tab offers the values the folder holds). Default 0.</summary>
    [Parameter(ParameterSetName = "Library")] [Alias("FeH")] [ArgumentCompleter(typeof(PhoenixLabelCompleter))] public double Metallicity { get; set; }

    /// <summary>PHOENIX library search: [alpha/Fe] in dex. Default 0.</summary>
    [Parameter(ParameterSetName = "Library")] public double Alpha { get; set; }

    protected override void ProcessRecord()
    {
        var files = ParameterSetName switch
        {
            "Library" => Path.Select(p => (Path: SessionState.Path.GetUnresolvedProviderPathFromPSPath(WildcardPattern.Unescape(p)), Library: true)),
            "LiteralPath" => ResolvePaths(LiteralPath, true).Select(p => (Path: p, Library: false)),
            _ => ResolvePaths(Path, false).Select(p => (Path: p, Library: false)),
        };
        var options = new SpectrumReadOptions
        {
            Format = Format,
            WavelengthFile = WavelengthFile is null ? null : SessionState.Path.GetUnresolvedProviderPathFromPSPath(WavelengthFile),
            Fiber = Fiber,
            FluxExtension = FluxExtension,
            WavelengthColumn = WavelengthColumn,
            FluxColumn = FluxColumn,
            UncertaintyColumn = UncertaintyColumn,
            WavelengthUnit = WavelengthUnit,
            Medium = Medium,
        };
        var list = files.ToList();
        for (int i = 0; i < list.Count; i++)
        {
            var (path, library) = list[i];
            if (list.Count > 1)
                WriteProgress(new ProgressRecord(1, "Import-BlaseSpectrum", System.IO.Path.GetFileName(path)) { PercentComplete = 100 * i / list.Count });
            try
            {
                string file = library ? PhoenixReader.FindInLibrary(path, Teff, LogG, Metallicity, Alpha) : path;
                if (library) WriteVerbose($"PHOENIX library: {file}");
                foreach (var s in SpectrumReader.Read(file, options))
                {
                    if (IsWavelengthFile(s))
                    {
                        WriteWarning($"{file}: skipped: a PHOENIX WAVE file (its values are the wavelengths of the PHOENIX flux files, not a spectrum). " +
                                     "It is found beside the flux files, or named with -WavelengthFile.");
                        continue;
                    }
                    var result = s;
                    if (Order is int[] order) result = ForArgument(nameof(Order), () => result.SelectOrders(order));
                    if (Wavelength is double[] range) result = ForArgument(nameof(Wavelength), () => result.Crop(range[0], range[1]));
                    WriteVerbose($"{file}: {result.Metadata.SourceFormat}, {result}");
                    WriteObject(result);
                }
            }
            catch (Exception e) when (e is not PipelineStoppedException)
            {
                WriteError(ErrorFor(e, path));
            }
        }
        if (list.Count > 1) WriteProgress(new ProgressRecord(1, "Import-BlaseSpectrum", "done") { RecordType = ProgressRecordType.Completed });
    }

    /// <summary>
    /// A PHOENIX WAVE file read as a spectrum has flux equal to its wavelength at every pixel (it is read as its own
    /// wavelengths): recognized from the content, so it is skipped whatever its name, as when a library folder is piped in.
    /// </summary>
    private static bool IsWavelengthFile(Spectrum s)
    {
        if (s.PixelCount < 2) return false;
        foreach (var order in s.Orders)
            for (int i = 0; i < order.Wavelength.Length; i++)
                if (Math.Abs(order.Flux[i] - order.Wavelength[i]) > 1e-9 * Math.Abs(order.Wavelength[i])) return false;
        return true;
    }
}
