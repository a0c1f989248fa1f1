using System.Diagnostics;
using System.Text.Json;
using Blase.Engine.Compute;
using Blase.Engine.IO.Formats;

// Blase benchmarks: each prints one JSON object per measurement on stdout.
//   dotnet run -c Release --project bench/Blase.Bench -- read <file> [<file> …] [--repeat N]
const string usage = "usage: Blase.Bench read <file>… [--repeat N]";
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
    default:
        Console.Error.WriteLine(usage);
        return 2;
}

static void Emit(object o) => Console.WriteLine(JsonSerializer.Serialize(o));

internal sealed class Options
{
    public List<string> Files { get; } = new();
    public int Repeat { get; private set; } = 5;

    public static Options Parse(string[] args)
    {
        var o = new Options();
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] == "--repeat") o.Repeat = int.Parse(args[++i]);
            else o.Files.Add(args[i]);
        }
        return o;
    }
}
