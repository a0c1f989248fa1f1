namespace Blase.Engine.IO.Fits;

/// <summary>A header-data unit: the primary array or an extension.</summary>
public abstract class FitsHdu
{
    protected FitsHdu(FitsHeader header) => Header = header;

    public FitsHeader Header { get; }

    /// <summary>EXTNAME, when the HDU has one.</summary>
    public string? Name => Header.GetString("EXTNAME");
}

/// <summary>
/// An image (primary array or IMAGE extension). Values are held as doubles with BSCALE/BZERO applied and
/// integer BLANK values turned into NaN; <see cref="Bitpix"/> is the type they are stored with on disk.
/// Axes are in FITS order: Axes[0] = NAXIS1, the fastest-varying.
/// </summary>
public sealed class FitsImage : FitsHdu
{
    public FitsImage(double[] data, int[] axes, int bitpix = -64, FitsHeader? header = null) : base(header ?? new FitsHeader())
    {
        if (axes.Length > 999) throw new ArgumentException("too many axes");
        long size = axes.Length == 0 ? 0 : axes.Aggregate(1L, (a, b) => a * b);
        if (size != data.Length) throw new ArgumentException($"image of {string.Join("x", axes)} needs {size} values, got {data.Length}");
        if (bitpix is not (8 or 16 or 32 or 64 or -32 or -64)) throw new ArgumentException($"BITPIX {bitpix} is not a FITS type");
        Data = data;
        Axes = axes;
        Bitpix = bitpix;
    }

    public double[] Data { get; }
    public int[] Axes { get; }
    public int Bitpix { get; }

    /// <summary>Row r (0-based) of a 2-D image, i.e. NAXIS1 values.</summary>
    public double[] Row(int r)
    {
        if (Axes.Length < 2) throw new InvalidOperationException("the image is not 2-D");
        int w = Axes[0];
        return Data.AsSpan(r * w, w).ToArray();
    }

    public int Rows => Axes.Length >= 2 ? Data.Length / Axes[0] : 1;
}

/// <summary>The FITS binary-table column types this engine reads and writes.</summary>
public enum FitsColumnType
{
    Logical = 'L',
    Byte = 'B',
    Int16 = 'I',
    Int32 = 'J',
    Int64 = 'K',
    Char = 'A',
    Float = 'E',
    Double = 'D',
}

/// <summary>
/// One column of a binary table: numbers (rows × repeat, scaled by TSCAL/TZERO; TNULL → NaN), strings, or logicals.
/// </summary>
public sealed class FitsColumn
{
    public FitsColumn(string name, FitsColumnType type, int repeat, int rows, string? unit = null)
    {
        Name = name;
        Type = type;
        Repeat = repeat;
        Unit = unit;
        switch (type)
        {
            case FitsColumnType.Char: Strings = new string[rows]; break;
            case FitsColumnType.Logical: Logicals = new bool?[rows * (long)repeat]; break;
            default: Numbers = new double[rows * (long)repeat]; break;
        }
    }

    public static FitsColumn FromNumbers(string name, double[] values, FitsColumnType type = FitsColumnType.Double, string? unit = null, int repeat = 1)
    {
        var c = new FitsColumn(name, type, repeat, values.Length / repeat, unit);
        values.CopyTo(c.Numbers!, 0);
        return c;
    }

    public static FitsColumn FromStrings(string name, string[] values, int? width = null)
    {
        int w = width ?? Math.Max(1, values.Max(v => v?.Length ?? 0));
        var c = new FitsColumn(name, FitsColumnType.Char, w, values.Length);
        values.CopyTo(c.Strings!, 0);
        return c;
    }

    public static FitsColumn FromLogicals(string name, bool[] values)
    {
        var c = new FitsColumn(name, FitsColumnType.Logical, 1, values.Length);
        for (int i = 0; i < values.Length; i++) c.Logicals![i] = values[i];
        return c;
    }

    public string Name { get; }
    public FitsColumnType Type { get; }
    /// <summary>Elements per row (for A columns: characters per row).</summary>
    public int Repeat { get; }
    public string? Unit { get; }
    public double[]? Numbers { get; }
    public string?[]? Strings { get; }
    public bool?[]? Logicals { get; }

    internal int ElementSize => SizeOf(Type);

    /// <summary>Bytes per element of a column type.</summary>
    internal static int SizeOf(FitsColumnType type) => type switch
    {
        FitsColumnType.Logical or FitsColumnType.Byte or FitsColumnType.Char => 1,
        FitsColumnType.Int16 => 2,
        FitsColumnType.Int32 or FitsColumnType.Float => 4,
        _ => 8,
    };

    internal int Width => ElementSize * Repeat;
}

/// <summary>A BINTABLE extension.</summary>
public sealed class FitsTable : FitsHdu
{
    public FitsTable(IEnumerable<FitsColumn> columns, FitsHeader? header = null) : base(header ?? new FitsHeader())
    {
        Columns = columns.ToArray();
        var counts = Columns.Select(RowsOf).Distinct().ToArray();
        if (counts.Length > 1) throw new ArgumentException("all columns of a table must have the same number of rows");
        RowCount = counts.Length == 0 ? 0 : counts[0];
    }

    private static int RowsOf(FitsColumn c) =>
        c.Strings?.Length ?? (c.Numbers?.Length ?? c.Logicals!.Length) / Math.Max(1, c.Repeat);

    public IReadOnlyList<FitsColumn> Columns { get; }
    public int RowCount { get; }

    /// <summary>The column whose TTYPE matches (case-insensitive), or null.</summary>
    public FitsColumn? Column(string name) =>
        Columns.FirstOrDefault(c => c.Name.Equals(name, StringComparison.OrdinalIgnoreCase));
}
