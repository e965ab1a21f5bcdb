using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Duban.Hosting;

namespace Duban.Bench;

/// <summary>
/// `bench load`: mixed traffic, as real users make it, against Duban nodes already running (one
/// address, or several spread round robin over the clients, or one nginx in front of them), for a
/// bounded time. Each client is one user at a time, closed loop: it sends a request, reads the whole
/// answer, draws the next kind by the mix. Kinds: a citizen files a report through the public API
/// (a durable matter each, answered 201 once committed: the writes), tracks one filed before, a
/// handler's, dispatcher's or county supervisor's matter list, the dispatcher's queue, a matter's
/// console page, the dashboard. Per kind: count, per second, p50/p95/p99 of the whole answer, and the
/// errors by status. Never run as a test; deploy/nodes.sh starts the nodes and runs it.
/// </summary>
public static class LoadBench
{
    public static readonly string[] Kinds = ["intake", "track", "list", "queue", "matter", "dashboard"];
    public const string DefaultMix = "intake=60,list=25,matter=10,dashboard=5";

    private static readonly string[] KnownOptions = ["--urls", "--clients", "--seconds", "--warmup", "--mix", "--json", "--password", "--seed"];
    private static readonly string[] Flags = ["--json"];

    public sealed record Options(IReadOnlyList<Uri> Urls, int Clients, double Seconds, double Warmup, IReadOnlyList<(string Kind, int Weight)> Mix,
        bool Json, string Password, int Seed);

    /// <summary>The options, or the message naming the one that is wrong (exit 64).</summary>
    public static (Options? Options, string? Error) Parse(string[] args)
    {
        for (var i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal))
                return (null, $"bench load: unexpected argument '{args[i]}'");
            if (!KnownOptions.Contains(args[i]))
                return (null, $"bench load: unknown option {args[i]} (known: {string.Join(", ", KnownOptions)})");
            if (Flags.Contains(args[i])) continue;
            if (i + 1 >= args.Length || args[i + 1].StartsWith("--", StringComparison.Ordinal))
                return (null, $"bench load: {args[i]} needs a value");
            i++;
        }
        var urlsText = Cli.Option(args, "--urls");
        if (string.IsNullOrWhiteSpace(urlsText))
            return (null, "bench load: --urls is required: the nodes' addresses, e.g. --urls http://127.0.0.1:5101,http://127.0.0.1:5102");
        var urls = new List<Uri>();
        foreach (var part in urlsText.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!Uri.TryCreate(part, UriKind.Absolute, out var uri) || (uri.Scheme != "http" && uri.Scheme != "https"))
                return (null, $"bench load: --urls: '{part}' is not an http(s) address");
            urls.Add(uri);
        }
        if (urls.Count == 0) return (null, "bench load: --urls names no address");
        if (!TryInt(Cli.Option(args, "--clients"), 12, out var clients) || clients is < 1 or > 1000)
            return (null, "bench load: --clients must be a whole number from 1 to 1000");
        if (!TryDouble(Cli.Option(args, "--seconds"), 60, out var seconds) || seconds is <= 0 or > 86400)
            return (null, "bench load: --seconds must be a number above 0 (at most 86400)");
        if (!TryDouble(Cli.Option(args, "--warmup"), 5, out var warmup) || warmup is < 0 or > 3600)
            return (null, "bench load: --warmup must be a number of seconds from 0 to 3600");
        if (!TryInt(Cli.Option(args, "--seed"), 20261206, out var seed))
            return (null, "bench load: --seed must be a whole number");
        var (mix, mixError) = ParseMix(Cli.Option(args, "--mix") ?? DefaultMix);
        if (mix is null) return (null, "bench load: --mix: " + mixError);
        var password = Cli.Option(args, "--password")
            ?? (Environment.GetEnvironmentVariable("DUBAN_DEMO_PASSWORD") is { Length: > 0 } given ? given : "bench-password");
        return (new Options(urls, clients, seconds, warmup, mix, args.Contains("--json"), password, seed), null);
    }

    /// <summary>`intake=60,list=25,...`: known kinds, each once, whole weights ≥ 0, at least one above 0.</summary>
    public static (IReadOnlyList<(string Kind, int Weight)>? Mix, string? Error) ParseMix(string text)
    {
        var mix = new List<(string, int)>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var pair = part.Split('=', 2, StringSplitOptions.TrimEntries);
            if (pair.Length != 2) return (null, $"'{part}' is not kind=weight");
            if (!Kinds.Contains(pair[0])) return (null, $"unknown kind '{pair[0]}' (kinds: {string.Join(", ", Kinds)})");
            if (mix.Exists(m => m.Item1 == pair[0])) return (null, $"'{pair[0]}' given twice");
            if (!int.TryParse(pair[1], NumberStyles.None, CultureInfo.InvariantCulture, out var weight))
                return (null, $"the weight of '{pair[0]}' must be a whole number ≥ 0");
            mix.Add((pair[0], weight));
        }
        if (mix.Sum(m => m.Item2) <= 0) return (null, "no kind has a weight above 0");
        return (mix, null);
    }

    /// <summary>The kind a uniform draw in [0, total weight) falls on.</summary>
    public static string Pick(IReadOnlyList<(string Kind, int Weight)> mix, int draw)
    {
        foreach (var (kind, weight) in mix)
        {
            if (draw < weight) return kind;
            draw -= weight;
        }
        throw new ArgumentOutOfRangeException(nameof(draw), "beyond the mix's total weight");
    }

    /// <summary>Nearest-rank percentile of sorted values (p in 0–100); NaN when there are none.</summary>
    public static double Percentile(IReadOnlyList<double> sorted, double p)
    {
        if (sorted.Count == 0) return double.NaN;
        var rank = (int)Math.Ceiling(p / 100 * sorted.Count);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Count - 1)];
    }

    private static bool TryInt(string? text, int fallback, out int value)
    {
        value = fallback;
        return text is null || int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);
    }

    private static bool TryDouble(string? text, double fallback, out double value)
    {
        value = fallback;
        return text is null || (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value));
    }

    /// <summary>What one kind did in the measured window.</summary>
    private sealed class Tally
    {
        public readonly List<double> Milliseconds = [];
        public readonly Dictionary<string, int> Errors = new(StringComparer.Ordinal);
        public int Count;
    }

    /// <summary>Signed-in users, by name: the API's token, valid on every node (one signing key).</summary>
    private static readonly string[] Users = ["dispatcher", "supervisor", "leader", "s-440781", "h-440781115"];

    /// <summary>Where citizens' reports come from: places over Jiangmen's counties, so that places resolve as they do in life.</summary>
    private static readonly (string Title, string Content, string Location)[] Reports =
    [
        ("龙溪路夜间施工噪音扰民", "夜间施工噪音持续到凌晨，影响居民休息，请有关部门尽快处理。", "江海区外海街道龙溪路88号"),
        ("小区门口占道经营", "小区门口长期有流动摊贩占道经营，影响通行，希望城管处理。", "蓬江区白沙街道建设路12号"),
        ("工地拖欠农民工工资", "某工地拖欠工资三个月，多次讨要无果，请劳动监察部门介入。", "新会区会城街道今古洲大道3号"),
        ("路灯损坏多日未修", "村口路灯损坏一周，夜间出行不便，存在安全隐患。", "台山市川岛镇略尾村"),
        ("垃圾清运不及时", "垃圾站垃圾堆积数日未清运，气味难闻，请环卫部门处理。", "开平市三埠街道港口路5号"),
        ("违章搭建影响采光", "邻居在楼顶违章搭建铁皮房，影响采光和消防安全。", "鹤山市沙坪街道人民路20号"),
        ("自来水水压不足", "近一个月高峰期水压不足，高楼层经常停水。", "恩平市恩城街道新平路8号"),
    ];

    public static async Task<int> RunAsync(string[] args, TextWriter output)
    {
        var (options, error) = Parse(args);
        if (options is null)
        {
            await output.WriteLineAsync(error);
            return 64;
        }
        // Notes go to standard error with --json, so that standard output is only the rows.
        var log = options.Json ? Console.Error : output;
        await log.WriteLineAsync(BenchHost.Machine);
        await log.WriteLineAsync($"load: {options.Clients} clients over {string.Join(", ", options.Urls)} (round robin), {options.Seconds:0.#} s after {options.Warmup:0.#} s warm-up, mix {string.Join(",", options.Mix.Select(m => $"{m.Kind}={m.Weight}"))}");

        using var setup = new HttpClient { BaseAddress = options.Urls[0], Timeout = TimeSpan.FromSeconds(60) };
        var tokens = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var user in Users)
        {
            using var login = await setup.PostAsJsonAsync("/api/v1/auth/login", new { username = user, password = options.Password });
            if (!login.IsSuccessStatusCode)
            {
                await output.WriteLineAsync($"bench load: login as {user} at {options.Urls[0]} answered {(int)login.StatusCode}: start the nodes with the demo (deploy/nodes.sh) and give its password (--password or DUBAN_DEMO_PASSWORD)");
                return 1;
            }
            var body = await login.Content.ReadFromJsonAsync<JsonElement>();
            tokens[user] = body.GetProperty("token").GetString()!;
        }
        var matterIds = await MatterIdsAsync(setup, tokens["dispatcher"]);
        if (matterIds.Count == 0 && options.Mix.Any(m => m.Kind == "matter" && m.Weight > 0))
        {
            await output.WriteLineAsync("bench load: the dispatcher sees no matter to open: load the demo's matters (Duban__Demo__Matters=true)");
            return 1;
        }

        var tallies = Kinds.ToDictionary(k => k, _ => new Tally(), StringComparer.Ordinal);
        var receipts = new ConcurrentQueue<(string Receipt, string Code)>();
        var total = options.Mix.Sum(m => m.Weight);
        var started = Stopwatch.StartNew();
        var measureFrom = TimeSpan.FromSeconds(options.Warmup);
        var measureTo = measureFrom + TimeSpan.FromSeconds(options.Seconds);
        await Task.WhenAll(Enumerable.Range(0, options.Clients).Select(c => Task.Run(async () =>
        {
            var random = new Random(options.Seed + c);
            using var client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, PooledConnectionLifetime = TimeSpan.FromMinutes(10) })
            {
                BaseAddress = options.Urls[c % options.Urls.Count],
                Timeout = TimeSpan.FromSeconds(30),
            };
            var n = 0;
            while (started.Elapsed < measureTo)
            {
                var kind = Pick(options.Mix, random.Next(total));
                if (kind == "track" && receipts.IsEmpty) kind = "intake"; // nothing filed yet to follow
                using var request = Request(kind, c, n++, random, tokens, matterIds, receipts);
                var from = started.Elapsed;
                var one = Stopwatch.StartNew();
                string? failure = null;
                try
                {
                    using var response = await client.SendAsync(request);
                    var bytes = await response.Content.ReadAsByteArrayAsync();
                    if (!response.IsSuccessStatusCode) failure = ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture);
                    else if (kind == "intake") KeepReceipt(bytes, receipts);
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
                {
                    failure = e.GetType().Name;
                }
                var elapsed = one.Elapsed.TotalMilliseconds;
                if (from < measureFrom || started.Elapsed > measureTo) continue;
                var tally = tallies[kind];
                lock (tally)
                {
                    tally.Count++;
                    if (failure is null) tally.Milliseconds.Add(elapsed);
                    else tally.Errors[failure] = tally.Errors.GetValueOrDefault(failure) + 1;
                }
            }
        })));

        Report(options, tallies, output);
        return 0;
    }

    /// <summary>The newest matters the dispatcher sees (the demo's and what earlier runs filed): the matter pages opened.</summary>
    private static async Task<List<long>> MatterIdsAsync(HttpClient client, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/matters?pageSize=100");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await client.SendAsync(request);
        if (!response.IsSuccessStatusCode) return [];
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return [.. body.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetInt64())];
    }

    private static void KeepReceipt(byte[] body, ConcurrentQueue<(string, string)> receipts)
    {
        using var json = JsonDocument.Parse(body);
        receipts.Enqueue((json.RootElement.GetProperty("receipt").GetString()!, json.RootElement.GetProperty("queryCode").GetString()!));
        // The last thousand filed are what citizens follow; older ones are dropped so memory stays flat.
        while (receipts.Count > 1000) receipts.TryDequeue(out _);
    }

    private static HttpRequestMessage Request(string kind, int client, int n, Random random, Dictionary<string, string> tokens, List<long> matterIds,
        ConcurrentQueue<(string Receipt, string Code)> receipts)
    {
        HttpRequestMessage As(string user, HttpMethod method, string path)
        {
            var request = new HttpRequestMessage(method, path);
            if (user != "anonymous") request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", tokens[user]);
            return request;
        }
        switch (kind)
        {
            case "intake":
                {
                    var (title, content, location) = Reports[random.Next(Reports.Length)];
                    var request = As("anonymous", HttpMethod.Post, "/api/v1/public/reports");
                    // The portal's form sends a key per submission, so that a double click files once.
                    request.Headers.Add("Idempotency-Key", $"load-{Guid.NewGuid():N}");
                    request.Content = JsonContent.Create(new
                    {
                        kind = "complaint",
                        title = $"{title} {client}-{n}",
                        content,
                        location,
                        anonymous = false,
                        name = "陈女士",
                        phone = "13800138000",
                    });
                    return request;
                }
            case "track":
                {
                    var known = receipts.ToArray();
                    var (receipt, code) = known[random.Next(known.Length)];
                    return As("anonymous", HttpMethod.Get, $"/api/v1/public/reports/{Uri.EscapeDataString(receipt)}?queryCode={Uri.EscapeDataString(code)}");
                }
            case "list":
                return random.Next(3) switch
                {
                    0 => As("h-440781115", HttpMethod.Get, "/api/v1/matters?status=dispatched,in_progress"),
                    1 => As("dispatcher", HttpMethod.Get, "/api/v1/matters"),
                    _ => As("s-440781", HttpMethod.Get, "/api/v1/matters?light=red"),
                };
            case "queue":
                return As("dispatcher", HttpMethod.Get, "/api/v1/dispatch/queue");
            case "matter":
                return As("dispatcher", HttpMethod.Get, $"/console/matters/{matterIds[random.Next(matterIds.Count)]}");
            case "dashboard":
                return random.Next(2) == 0 ? As("leader", HttpMethod.Get, "/console/dashboard") : As("s-440781", HttpMethod.Get, "/console/dashboard");
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, "not a kind of the load");
        }
    }

    private static readonly JsonSerializerOptions JsonLine = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static void Report(Options options, Dictionary<string, Tally> tallies, TextWriter output)
    {
        var rows = options.Mix.Where(m => m.Weight > 0).Select(m => m.Kind).ToList();
        // A track drawn before anything was filed went as an intake: intake is reported if it ran.
        if (!rows.Contains("intake") && tallies["intake"].Count > 0) rows.Insert(0, "intake");
        var all = new Tally();
        foreach (var kind in rows)
        {
            all.Count += tallies[kind].Count;
            all.Milliseconds.AddRange(tallies[kind].Milliseconds);
            foreach (var (status, count) in tallies[kind].Errors) all.Errors[status] = all.Errors.GetValueOrDefault(status) + count;
        }
        if (!options.Json)
        {
            output.WriteLine("kind      |  count |  per s | ok per s | p50 ms | p95 ms | p99 ms | errors");
        }
        foreach (var (kind, tally) in rows.Select(k => (k, tallies[k])).Append(("all", all)))
        {
            tally.Milliseconds.Sort();
            var ok = tally.Milliseconds.Count;
            double p50 = Percentile(tally.Milliseconds, 50), p95 = Percentile(tally.Milliseconds, 95), p99 = Percentile(tally.Milliseconds, 99);
            if (options.Json)
            {
                output.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object?>
                {
                    ["kind"] = kind,
                    ["count"] = tally.Count,
                    ["ok"] = ok,
                    ["per_s"] = Math.Round(tally.Count / options.Seconds, 1),
                    ["ok_per_s"] = Math.Round(ok / options.Seconds, 1),
                    ["p50_ms"] = Ms(p50),
                    ["p95_ms"] = Ms(p95),
                    ["p99_ms"] = Ms(p99),
                    ["errors"] = tally.Errors,
                    ["clients"] = options.Clients,
                    ["urls"] = options.Urls.Count,
                    ["seconds"] = options.Seconds,
                }, JsonLine));
                continue;
            }
            var errors = tally.Errors.Count == 0 ? "0" : string.Join(", ", tally.Errors.OrderByDescending(e => e.Value).Select(e => $"{e.Key}×{e.Value}"));
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{kind,-9} | {tally.Count,6} | {tally.Count / options.Seconds,6:F1} | {ok / options.Seconds,8:F1} | {Text(p50),6} | {Text(p95),6} | {Text(p99),6} | {errors}"));
        }
        static double? Ms(double v) => double.IsNaN(v) ? null : Math.Round(v, 1);
        static string Text(double v) => double.IsNaN(v) ? "-" : v.ToString("F1", CultureInfo.InvariantCulture);
    }
}
