using Kiln;
using Kiln.Api;
using Kiln.Fleet;
using Kiln.Operations;
using Scalar.AspNetCore;

var builder = WebApplication.CreateBuilder(args);
builder.AddKiln();

var app = builder.Build();
app.UseKiln();

app.MapGenerate().RefuseWhileDraining();
app.MapProjects();
app.MapImport().RefuseWhileDraining();
app.MapModels();
app.MapProjectFiles();
app.MapProjectDownload();
app.MapPreview();
app.MapEvents();
app.MapProjectErrors();
app.MapProjectMcp();
app.MapVersions();
app.MapSites();
app.MapGitPush();
app.MapOperations();
app.MapOpenApi().AllowAnonymous();
app.MapScalarApiReference("/docs").AllowAnonymous();
app.MapWebUi();
app.MapProjectPins();
app.MapProjectEnvironment();
app.MapFleet();

app.Run();

/// <summary>The entry point, visible to the tests' host.</summary>
public partial class Program;
