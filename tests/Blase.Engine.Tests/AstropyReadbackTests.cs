using System.Diagnostics;
using System.Text.Json;
using Blase.Engine.IO;
using Blase.Engine.IO.Formats;
using Blase.Engine.Lines;
using Blase.Engine.Spectra;

namespace Blase.Engine.Tests;

/// <summary>A Python with astropy (Debian's python3-astropy), found once; the tests that need it skip without it.</summary>
public static class Astropy
{
    public static string? Python { get; } = Find();

    public const string Missing = "no python3 with astropy on this machine (apt-get install python3-astropy): the FITS read-back by astropy is skipped";

    private static string? Find()
    {
        foreach (var python in new[] { "python3", "/usr/bin/python3" })
        {
            try
            {
                var (code, _, _) = Run(python, "-c \"import astropy.io.fits\"");
                if (code == 0) return python;
            }
            catch (System.ComponentModel.Win32Exception) { /* not installed */ }
        }
        return null;
    }

    public static (int Code, string Output, string Errors) Run(string python, string arguments)
    {
        var p = Process.Start(new ProcessStartInfo(python, arguments) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var output = p.StandardOutput.ReadToEndAsync();
        var errors = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(120_000)) { p.Kill(); throw new TimeoutException($"{python} {arguments} ran over 2 minutes"); }
        return (p.ExitCode, output.Result, errors.Result);
    }
}

/// <summary>A fact that needs astropy: skipped, with the reason, when no Python has it.</summary>
public sealed class AstropyFactAttribute : FactAttribute
{
    public AstropyFactAttribute()
    {
        if (Astropy.Python is null) Skip = Astropy.Missing;
    }
}

/// <summary>
/// Every FITS file kind Blase writes (spectrum, line model, line list of a model, line list of a transfer), read back by
/// astropy with every warning an error: headers verify, units parse as FITS units, values and text come back.
/// </summary>
public class AstropyReadbackTests
{
    // For each file: verify the HDUs strictly, then Table.read each table (units parsed by astropy's FITS unit parser).
    private const string Script = """
        import json, sys, warnings
        warnings.simplefilter('error')
        from astropy.io import fits
        from astropy.table import Table
        out = {}
        for path in sys.argv[1:]:
            with fits.open(path) as hdul:
                hdul.verify('exception')
                tables = {}
                for h in hdul[1:]:
                    t = Table.read(hdul, hdu=h.name)
                    tables[h.name] = {c: {'unit': None if t[c].unit is None else t[c].unit.to_string('fits'),
                                          'first': t[c][0].item() if hasattr(t[c][0], 'item') else str(t[c][0])} for c in t.colnames}
                header = hdul[0].header
                text = {k: header[k].encode().decode('unicode_escape').encode('utf-16', 'surrogatepass').decode('utf-16')
                        for k in header if k.startswith('PROV') and k != 'NPROV' or k in ('OBJECT', 'TEMPLATE')}
                out[path] = {'tables': tables, 'text': text}
        print(json.dumps(out))
        """;

    [AstropyFact]
    public void Astropy_reads_every_FITS_file_kind_without_a_warning_with_units_it_parses()
    {
        using var dir = new TempDir();
        // A PHOENIX flux unit (astropy warns on 'erg/s/cm^2/cm'), a name and a step outside ASCII.
        var spectrum = new Spectrum(new[] { SpectralOrder.FromArrays(0, new[] { 6000.0, 6000.5, 6001.0 }, new[] { 1.0, 0.9, 1.0 }, new[] { 0.01, 0.01, 0.01 }) },
            WavelengthUnit.Angstrom, WavelengthMedium.Vacuum,
            new SpectrumMetadata { Object = "Barnard’s star (µ Oph)", FluxUnit = "erg/s/cm^2/cm" },
            new[] { "normalized by a 3200 K Planck function, λ in Å, then by a continuum through the upper envelope of every order" });
        var model = LineModelFileTests.ClonedModel();
        var files = new Dictionary<string, string>
        {
            ["spectrum"] = dir.File("spectrum.fits"),
            ["model"] = dir.File("model.fits"),
            ["lines"] = dir.File("lines.fits"),
            ["changes"] = dir.File("changes.fits"),
        };
        SpectrumWriter.Write(spectrum, files["spectrum"]);
        LineModelFile.Save(model, files["model"]);
        LineListWriter.Write(LineRecord.From(model).ToList(), files["lines"]);
        LineListWriter.Write(Transfer.LineChange.Compare(model, model, new HashSet<int> { 0 }).ToList(), files["changes"]);
        var script = dir.File("read.py");
        File.WriteAllText(script, Script);

        var (code, output, errors) = Astropy.Run(Astropy.Python!, $"\"{script}\" " + string.Join(' ', files.Values.Select(f => $"\"{f}\"")));
        Assert.True(code == 0, $"astropy failed:\n{errors}");
        using var json = JsonDocument.Parse(output);
        JsonElement Table(string file, string hdu) => json.RootElement.GetProperty(files[file]).GetProperty("tables").GetProperty(hdu);
        string? Unit(string file, string hdu, string column) => Table(file, hdu).GetProperty(column).GetProperty("unit").GetString();

        Assert.Equal("Angstrom", Unit("spectrum", "SPECTRUM", "wavelength"));
        Assert.Equal("cm-3 erg s-1", Unit("spectrum", "SPECTRUM", "flux"));
        Assert.Equal("cm-3 erg s-1", Unit("spectrum", "SPECTRUM", "uncertainty"));
        Assert.Equal("Angstrom", Unit("model", "LINES", "lam_center_A"));
        Assert.Null(Unit("model", "LINES", "ln_sigma_A"));
        Assert.Equal(model.LnSigma[0], Table("model", "LINES").GetProperty("ln_sigma_A").GetProperty("first").GetDouble());
        Assert.Equal("s", Unit("model", "TRAINING", "seconds"));
        foreach (var column in new[] { "CenterAngstrom", "SigmaAngstrom", "GammaAngstrom", "FwhmAngstrom", "EquivalentWidthAngstrom", "Amplitude" })
            Assert.Equal("Angstrom", Unit("lines", "LINELIST", column));
        Assert.Null(Unit("lines", "LINELIST", "LnAmplitude"));
        Assert.Null(Unit("lines", "LINELIST", "Depth"));
        Assert.Equal("Angstrom", Unit("changes", "LINELIST", "EquivalentWidthBeforeAngstrom"));
        Assert.Equal("Angstrom", Unit("changes", "LINELIST", "AmplitudeBefore"));

        // The escaped text decodes in Python to what the spectrum and the model hold.
        var spectrumText = json.RootElement.GetProperty(files["spectrum"]).GetProperty("text");
        Assert.Equal(spectrum.Metadata.Object, spectrumText.GetProperty("OBJECT").GetString());
        Assert.Equal(spectrum.Provenance[0], spectrumText.GetProperty("PROV1").GetString());
        var text = json.RootElement.GetProperty(files["model"]).GetProperty("text");
        Assert.Equal(model.Name, text.GetProperty("OBJECT").GetString());
        Assert.Equal(model.Report!.Template, text.GetProperty("TEMPLATE").GetString());
        for (int k = 0; k < model.Provenance.Count; k++)
            Assert.Equal(model.Provenance[k], text.GetProperty($"PROV{k + 1}").GetString());
    }
}
