using System.Diagnostics;
using System.Text.Json;
using Blase.Engine.Compute;
using Blase.Engine.IO.Formats;

// Blase benchmarks: each prints one JSON object per measurement on stdout.
//   dotnet run -c Release --project bench/Blase.Bench -- read <file> [<file> …] [--repeat N]
//   dotnet run -c Release --project bench/Blase.Bench -- clone --flux <fits> --wave <fits> [--normalized] [--min A --max A]
//        [--prominence 0.01] [--epochs N] [--optimizer adam|lm] [--device cpu|cuda] [--threads N]
const string usage = "usage: Blase.Bench read <file>… [--repeat N] | clone --flux <fits> --wave <fits> [--normalized] [--min A --max A] [--prominence P] [--epochs N] [--optimizer adam|lm] [--device cpu|cuda]";
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
    case "emulator":
        return EmulatorBench.Run(options);
    default:
        Console.Error.WriteLine(usage);
        return 2;
}

static void Emit(object o) => Json.Emit(o);

internal static partial class Json
{
    public static void Emit(object o) => Console.WriteLine(JsonSerializer.Serialize(o));
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
            if (args[i] is "--normalized") o.Flags.Add(args[i][2..]);
            else if (args[i].StartsWith("--")) o.Named[args[i][2..]] = args[++i];
            else o.Files.Add(args[i]);
        }
        return o;
    }
}
