using System.Diagnostics;
using System.Text.Json;
using Blase.Engine.Compute;
using Blase.Engine.IO.Formats;

// Blase benchmarks: each prints one JSON object per measurement on stdout.
//   dotnet run -c Release --project bench/Blase.Bench -- read <file> [<file> …] [--repeat N]
//   dotnet run -c Release --project bench/Blase.Bench -- clone --flux <fits> --wave <fits> [--normalized] [--min A --max A]
//        [--prominence 0.01] [--epochs N] [--optimizer adam|lm] [--device cpu|cuda] [--threads N]
//   dotnet run -c Release --project bench/Blase.Bench -- transfer --template <spectrum> [--teff K] [--normalized] --data <spectrum>
//        [--order 3,4,5] [--bc km/s] [--free Default|…] [--optimizer levenbergmarquardt|lbfgs|adam] [--per-order] [--repeat N] [--device cpu]
//   dotnet run -c Release --project bench/Blase.Bench -- emulator --grid <starfish hdf5> [--repeat N]
//   dotnet run -c Release --project bench/Blase.Bench -- batch --recipe <psd1> [--workers 1,2] [--repeat N] <input> [<input> …]
const string usage = "usage: Blase.Bench read <file>… [--repeat N] | clone --flux <fits> --wave <fits> [--normalized] [--min A --max A] [--prominence P] [--epochs N] [--optimizer adam|lm] [--device cpu|cuda] | transfer --template <file> [--teff K] --data <file> [--order …] [--bc km/s] [--free …] [--prior l2|l1] [--prior-strength S] [--telluric <file> [--telluric-mask depth]] [--per-order] [--device cpu] | emulator --grid <hdf5> [--repeat N] | batch --recipe <psd1> [--workers 1,2] [--repeat N] <input>…";
if (args.Length == 0) { Console.Error.WriteLine(usage); return 2; }

var options = Options.Parse(args[1..]);
switch (args[0])
{
    case "read":
        if (options.Files.Count == 0) { Console.Error.WriteLine(usage); return 2; }
        foreach (var file in options.Files)
        {
            SpectrumReader.Read(file); // warm up: JIT and file cache
            var sw = Stopwatch.StartNew();
            int pixels = 0, spectra = 0;
            for (int r = 0; r < options.Repeat; r++)
            {
                var read = SpectrumReader.Read(file);
                spectra = read.Count;
                pixels = read.Sum(s => s.PixelCount);
            }
            Emit(new
            {
                bench = "read",
                file = Path.GetFileName(file),
                format = SpectrumReader.Detect(file).ToString(),
                spectra,
                n_pix = pixels,
                seconds = sw.Elapsed.TotalSeconds / options.Repeat,
                repeat = options.Repeat,
                device = DeviceCatalog.Cpu.Name,
            });
        }
        return 0;
    case "clone":
        return CloneBench.Run(options);
    case "transfer":
        return TransferBench.Run(options);
    case "emulator":
        return EmulatorBench.Run(options);
    case "batch":
        return BatchBench.Run(options);
    default:
        Console.Error.WriteLine(usage);
        return 2;
}

static void Emit(object o) => Json.Emit(o);

internal static partial class Json
{
    // NaN (an uncertainty that could not be formed) prints as "NaN" rather than stopping the bench.
    private static readonly JsonSerializerOptions Options = new() { NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };
    public static void Emit(object o) => Console.WriteLine(JsonSerializer.Serialize(o, Options));
}

internal sealed class Options
{
    public List<string> Files { get; } = new();
    public Dictionary<string, string> Named { get; } = new();
    public HashSet<string> Flags { get; } = new();
    public int Repeat => Named.TryGetValue("repeat", out var r) ? int.Parse(r) : 5;

    public string? Get(string name) => Named.TryGetValue(name, out var v) ? v : null;
    public double Number(string name, double fallback) => Named.TryGetValue(name, out var v) ? double.Parse(v, System.Globalization.CultureInfo.InvariantCulture) : fallback;

    public static Options Parse(string[] args)
    {
        var o = new Options();
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] is "--normalized" or "--per-order" or "--trace") o.Flags.Add(args[i][2..]);
            else if (args[i].StartsWith("--")) o.Named[args[i][2..]] = args[++i];
            else o.Files.Add(args[i]);
        }
        return o;
    }
}
