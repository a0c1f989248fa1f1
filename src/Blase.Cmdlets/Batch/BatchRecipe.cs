using System.Collections;
using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Text;
using Blase.Cmdlets.Lines;
using Blase.Cmdlets.Models;
using Blase.Cmdlets.Spectra;
using Blase.Cmdlets.Transfer;
using Blase.Engine.Batch;
using Blase.Engine.IO;

namespace Blase.Cmdlets.Batch;

/// <summary>
/// A batch reduction recipe, from a .psd1 settings file, a hashtable, or a script block that returns one (run once). Its sections are splatted onto the cmdlets they
/// name, so a recipe holds exactly what one would type:
/// <code>
/// @{
///     Template       = 'lte03900.dat'                  # a spectrum to clone once (Import-BlaseSpectrum), or
///     # Model        = 'clone.fits'                    # a saved line model (Import-BlaseModel) instead
///     TemplateSelect = @{ Wavelength = 8630, 8800 }    # Select-BlaseSpectrum on the template before cloning
///     Clone          = @{ Teff = 3900 }                # Invoke-BlaseClone parameters
///     Select         = @{ Wavelength = 8660, 8760 }    # Select-BlaseSpectrum on each input
///     Telluric       = 'tellurics.blase.fits'          # optional: a saved telluric line model (Invoke-BlaseTransfer -Telluric)
///     Transfer       = @{ BarycentricCorrection = 0 }  # Invoke-BlaseTransfer parameters
///     Outputs        = 'Result', 'Lines'               # and/or Model; default Result, Lines
/// }
/// </code>
/// Relative paths are relative to the .psd1 file (or to the current folder for a hashtable). The recipe's hash (its
/// canonical text with the template's SHA-256 in place of its path) is what each manifest records.
/// </summary>
public sealed class BatchRecipe
{
    private static readonly string[] Keys = { "Template", "TemplateSelect", "Clone", "Model", "Telluric", "Select", "Transfer", "Outputs" };

    /// <summary>Each section, the cmdlet it is splatted onto, and the parameters the batch sets itself.</summary>
    private static readonly (string Key, Type Cmdlet, string[] Reserved)[] Sections =
    {
        ("TemplateSelect", typeof(SelectBlaseSpectrumCommand), new[] { "Spectrum", "InputObject" }),
        ("Clone", typeof(InvokeBlaseCloneCommand), new[] { "Spectrum", "InputObject" }),
        ("Select", typeof(SelectBlaseSpectrumCommand), new[] { "Spectrum", "InputObject" }),
        ("Transfer", typeof(InvokeBlaseTransferCommand), new[] { "Model", "Telluric", "Spectrum", "InputObject" }),
    };

    private BatchRecipe(string? template, string? model, string? telluric, Hashtable templateSelect, Hashtable clone, Hashtable select, Hashtable transfer, BatchOutput outputs, string sha, string cloneSha)
    {
        TelluricPath = telluric;
        CloneSha256 = cloneSha;
        TemplatePath = template;
        ModelPath = model;
        TemplateSelect = templateSelect;
        Clone = clone;
        Select = select;
        Transfer = transfer;
        Outputs = outputs;
        Sha256 = sha;
    }

    /// <summary>The template spectrum to clone (full path), or null when <see cref="ModelPath"/> gives a saved model.</summary>
    public string? TemplatePath { get; }
    public string? ModelPath { get; }
    /// <summary>A saved telluric line model fitted with the star (full path), or null for none.</summary>
    public string? TelluricPath { get; }
    public Hashtable TemplateSelect { get; }
    public Hashtable Clone { get; }
    public Hashtable Select { get; }
    public Hashtable Transfer { get; }
    public BatchOutput Outputs { get; }
    /// <summary>SHA-256 of the canonical recipe, with the template's (or model's) own SHA-256 in place of its path.</summary>
    public string Sha256 { get; }
    /// <summary>SHA-256 of what makes the clone (the template's bytes, TemplateSelect, Clone): the name of its cached copy.</summary>
    public string CloneSha256 { get; }

    /// <summary>Reads a recipe from a .psd1 path, a hashtable or a script block returning one; throws ArgumentException saying what is wrong.</summary>
    public static BatchRecipe Load(object recipe, PSCmdlet cmdlet)
    {
        object value = recipe is PSObject p ? p.BaseObject : recipe;
        string baseDir;
        IDictionary table;
        switch (value)
        {
            case IDictionary d:
                table = d;
                baseDir = cmdlet.SessionState.Path.CurrentFileSystemLocation.ProviderPath;
                break;
            case ScriptBlock block:
                // Evaluated once, here: the recipe is the hashtable it returns (computed paths, values from the environment).
                var returned = block.Invoke().Select(o => o?.BaseObject).ToList();
                if (returned.Count != 1 || returned[0] is not IDictionary made)
                    throw new ArgumentException($"a recipe script block must return one hashtable (it returned {returned.Count} object(s){(returned.Count == 1 ? $", a {returned[0]?.GetType().Name ?? "null"}" : "")})");
                table = made;
                baseDir = cmdlet.SessionState.Path.CurrentFileSystemLocation.ProviderPath;
                break;
            case string or FileInfo:
                string path = value is FileInfo fi ? fi.FullName : cmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath((string)value);
                if (!File.Exists(path)) throw new FileNotFoundException($"no recipe file {path}", path);
                if (!path.EndsWith(".psd1", StringComparison.OrdinalIgnoreCase)) throw new ArgumentException($"a recipe file is a .psd1 settings file (got {path})");
                table = ReadPsd1(path);
                baseDir = System.IO.Path.GetDirectoryName(path)!;
                break;
            default:
                throw new ArgumentException($"-Recipe takes a .psd1 path, a hashtable or a script block that returns one (got a {value?.GetType().Name ?? "null"})");
        }

        var unknown = table.Keys.Cast<object>().Select(k => k.ToString()!).Where(k => !Keys.Contains(k, StringComparer.OrdinalIgnoreCase)).ToList();
        if (unknown.Count > 0) throw new ArgumentException($"the recipe has no key {string.Join(", ", unknown.Select(k => $"'{k}'"))} (its keys: {string.Join(", ", Keys)})");
        object? Get(string key) => table.Keys.Cast<object>().FirstOrDefault(k => string.Equals(k.ToString(), key, StringComparison.OrdinalIgnoreCase)) is { } k ? Unwrap(table[k]) : null;

        string? FileOf(string key)
        {
            if (Get(key) is not { } v) return null;
            if (v is not string s || s.Length == 0) throw new ArgumentException($"the recipe's {key} must be a file path (got {v})");
            string full = System.IO.Path.GetFullPath(System.IO.Path.Combine(baseDir, s));
            if (!System.IO.File.Exists(full)) throw new FileNotFoundException($"the recipe's {key} file does not exist: {full}", full);
            return full;
        }
        string? template = FileOf("Template"), model = FileOf("Model"), telluric = FileOf("Telluric");
        if ((template is null) == (model is null)) throw new ArgumentException("the recipe needs exactly one of Template (a spectrum to clone) and Model (a saved line model)");
        if (model is not null && (Get("Clone") is not null || Get("TemplateSelect") is not null))
            throw new ArgumentException("Clone and TemplateSelect apply to a Template; a recipe with a Model has neither");

        var sections = Sections.ToDictionary(s => s.Key, s => Section(s.Key, Get(s.Key), s.Cmdlet, s.Reserved));
        var outputs = BatchOutput.None;
        foreach (var o in Get("Outputs") is { } ov ? (ov is IEnumerable e and not string ? e.Cast<object>() : new[] { ov }) : new object[] { nameof(BatchOutput.Default) })
        {
            if (!Enum.TryParse<BatchOutput>(Unwrap(o)?.ToString(), true, out var one) || one == BatchOutput.None)
                throw new ArgumentException($"the recipe's Outputs has '{o}' (use Result, Lines, Model)");
            outputs |= one;
        }

        // The hash: the recipe as written, keys in any order or case, with the files' contents in place of their paths.
        var canonical = new SortedDictionary<string, object?>(StringComparer.Ordinal)
        {
            ["template"] = template is null ? null : "sha256:" + FileDigest.Sha256(template),
            ["model"] = model is null ? null : "sha256:" + FileDigest.Sha256(model),
            ["outputs"] = outputs.ToString(),
        };
        // Only a recipe that has one hashes a telluric model: recipes without keep the hash their manifests record.
        if (telluric is not null) canonical["telluric"] = "sha256:" + FileDigest.Sha256(telluric);
        foreach (var (key, section) in sections) canonical[key] = section;
        string sha = FileDigest.Sha256Text(RecipeText.Canonical(canonical));
        string cloneSha = FileDigest.Sha256Text(RecipeText.Canonical(new object?[] { canonical["template"], canonical["model"], sections["TemplateSelect"], sections["Clone"] }));
        return new BatchRecipe(template, model, telluric, sections["TemplateSelect"], sections["Clone"], sections["Select"], sections["Transfer"], outputs, sha, cloneSha);
    }

    /// <summary>A section as a hashtable of that cmdlet's parameters (names or aliases, as typed), each checked to exist.</summary>
    private static Hashtable Section(string key, object? value, Type cmdlet, string[] reserved)
    {
        var result = new Hashtable(StringComparer.OrdinalIgnoreCase);
        if (value is null) return result;
        if (value is not IDictionary d) throw new ArgumentException($"the recipe's {key} must be a hashtable of {Name(cmdlet)} parameters (got {value})");
        var meta = new CommandMetadata(cmdlet).Parameters;
        var names = meta.Values.SelectMany(p => p.Aliases.Prepend(p.Name)).ToHashSet(StringComparer.OrdinalIgnoreCase);
        foreach (DictionaryEntry e in d)
        {
            string name = e.Key.ToString()!;
            if (reserved.Contains(name, StringComparer.OrdinalIgnoreCase) || !names.Contains(name))
                throw new ArgumentException($"the recipe's {key} has '{name}', which is not a parameter of {Name(cmdlet)} the batch passes on " +
                                            $"(see Get-Help {Name(cmdlet)}; the batch sets {string.Join(", ", reserved)} itself)");
            result[name] = Unwrap(e.Value);
        }
        return result;
    }

    private static string Name(Type cmdlet) => cmdlet.GetCustomAttributes(typeof(CmdletAttribute), false).Cast<CmdletAttribute>().Select(a => $"{a.VerbName}-{a.NounName}").First();

    private static object? Unwrap(object? v) => v switch
    {
        PSObject p => Unwrap(p.BaseObject),
        SwitchParameter s => s.IsPresent,
        object[] a => a.Select(Unwrap).ToArray(),
        _ => v,
    };

    /// <summary>A .psd1 read as data (no code runs), as Import-PowerShellDataFile does.</summary>
    private static IDictionary ReadPsd1(string path)
    {
        var ast = Parser.ParseFile(path, out _, out var errors);
        if (errors.Length > 0) throw new ArgumentException($"{path}: not a valid settings file: {errors[0].Message} (line {errors[0].Extent.StartLineNumber})");
        if (ast.Find(a => a is HashtableAst, false) is not HashtableAst h) throw new ArgumentException($"{path}: a settings file holds one hashtable @{{ … }}");
        try
        {
            return (IDictionary)h.SafeGetValue();
        }
        catch (InvalidOperationException e)
        {
            throw new ArgumentException($"{path}: a settings file holds only constants (strings, numbers, arrays, hashtables, $true/$false): {e.Message}");
        }
    }

    /// <summary>This recipe as a .psd1 with full paths (what the tasks of a Slurm job read); it hashes as this one does.</summary>
    public string ToPsd1()
    {
        var s = new StringBuilder("# Written by Invoke-BlaseBatch for the tasks of a Slurm job; the recipe it was given, with full paths.\n@{\n");
        if (TemplatePath is not null) s.Append("    Template = ").Append(Literal(TemplatePath)).Append('\n');
        if (ModelPath is not null) s.Append("    Model = ").Append(Literal(ModelPath)).Append('\n');
        if (TelluricPath is not null) s.Append("    Telluric = ").Append(Literal(TelluricPath)).Append('\n');
        foreach (var (key, table) in new[] { ("TemplateSelect", TemplateSelect), ("Clone", Clone), ("Select", Select), ("Transfer", Transfer) })
            if (table.Count > 0) s.Append("    ").Append(key).Append(" = ").Append(Literal(table)).Append('\n');
        s.Append("    Outputs = ").Append(Literal(BatchLayout.Each(Outputs).Select(o => o.ToString()).ToArray())).Append("\n}\n");
        return s.ToString();
    }

    private static string Literal(object? v) => v switch
    {
        null => "$null",
        string str => "'" + str.Replace("'", "''") + "'",
        bool b => b ? "$true" : "$false",
        IDictionary d => "@{ " + string.Join("; ", d.Keys.Cast<object>().OrderBy(k => k.ToString(), StringComparer.OrdinalIgnoreCase)
            .Select(k => $"{k} = {Literal(d[k])}")) + " }",
        IEnumerable e => "@(" + string.Join(", ", e.Cast<object>().Select(Literal)) + ")",
        IConvertible c when c.GetTypeCode() is >= TypeCode.SByte and <= TypeCode.Decimal => Convert.ToString(c, CultureInfo.InvariantCulture)!
            .Replace("E", "e"),
        _ => Literal(Convert.ToString(v, CultureInfo.InvariantCulture)),
    };
}
