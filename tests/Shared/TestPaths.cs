namespace Blase.Tests;

/// <summary>Where the checkout and the real spectra (../shared/data) are; shared by the test projects.</summary>
public static class TestPaths
{
    public const string Missing = "../shared/data is not beside this checkout: the real-data tests need it (see README).";

    public static string RepoRoot { get; } = FindRoot();

    /// <summary>../shared/data, or null when it is not beside the checkout.</summary>
    public static string? DataRoot { get; } =
        Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared", "data")) is var d && Directory.Exists(d) ? d : null;

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Blase.sln"))) return dir.FullName;
        throw new InvalidOperationException("Blase.sln not found above the test output");
    }
}

/// <summary>A fact that needs ../shared/data: skipped, with the reason, when the folder is absent.</summary>
public sealed class DataFactAttribute : Xunit.FactAttribute
{
    public DataFactAttribute()
    {
        if (TestPaths.DataRoot is null) Skip = TestPaths.Missing;
    }
}
