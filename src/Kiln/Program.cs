using Kiln;
using Kiln.Api;
using Scalar.AspNetCore;

var builder = WebApplication.CreateBuilder(args);
builder.AddKiln();

var app = builder.Build();
app.UseKiln();

app.MapGenerate();
app.MapProjects();
app.MapProjectFiles();
app.MapProjectDownload();
app.MapPreview();
app.MapEvents();
app.MapProjectMcp();
app.MapVersions();
app.MapHealthChecks("/healthz").AllowAnonymous();
app.MapOpenApi().AllowAnonymous();
app.MapScalarApiReference("/docs").AllowAnonymous();
app.MapWebUi();

app.Run();

/// <summary>The entry point, visible to the tests' host.</summary>
public partial class Program;
