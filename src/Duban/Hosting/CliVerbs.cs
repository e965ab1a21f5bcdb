using Duban.Features.Backup;
using Duban.Features.Calendar;
using Duban.Features.Dispatching;
using Duban.Features.Figures;
using Duban.Features.Geo;
using Duban.Features.Sealing;
using Duban.Features.Search;
using Duban.Features.Supervision;
using Duban.Features.Tally;

namespace Duban.Hosting;

/// <summary>
/// Every verb of the command line, in the order of the help: its name, what it does, what runs it, and every option
/// and word it takes. This table is the one place a verb is declared: the parser (<see cref="CliCommandLine"/>) builds
/// its commands, refuses any other option, and writes the overall help and each verb's <c>--help</c> from it.
/// A verb that needs Duban's services runs through <see cref="Services"/> (an up-to-date schema; <c>writes</c>: the
/// deployment's keys are checked first, as a node does).
/// </summary>
public static class CliVerbs
{
    public static IReadOnlyList<CliVerb> All { get; } =
    [
        new("serve", "run the web host, API and UI (default)", Cli.ServeAsync),
        new("audit verify", """
            check the event hash chain and every matter against it;
            exit 0 and print the count when intact, exit 2 naming
            the first bad event otherwise, 3 without the right key
            """, Services(Cli.AuditVerifyAsync, writes: false)),
        new("demo reset", "drop ALL data and load the Jiangmen demo again", Services(Cli.DemoResetAsync),
            [CliOption.Flag("--yes", "go on without asking (required when standard input is not a terminal)")]),
        new("units import", """
            add the units of a unit file (JSON, as data/demo/jiangmen-units.json;
            default: the built-in Jiangmen units) that are not there yet
            """, Services(Cli.UnitsImportAsync), Words: new("[FILE]", 1)),
        new("users add", """
            add an account (roles: admin, dispatcher, supervisor,
            handler, leader); the password is read from
            DUBAN_NEW_PASSWORD or generated and printed
            """, Services(Cli.UsersAddAsync),
            [
                new("--username", "U", "the account's sign-in name", Required: true),
                new("--unit", "CODE", "the code of the account's unit", Required: true),
                new("--roles", "r1,r2", "its roles, separated by commas", Required: true),
                new("--name", "N", "its display name (default: the username)"),
                new("--password", "P", "its password (default: DUBAN_NEW_PASSWORD, else one is generated and printed)"),
            ]),
        new("geo resolve", """
            read one text a line on standard input, write one JSON object
            a line: the division it names (code, level, path, confidence)
            """, Services(GeoCli.ResolveAsync, writes: false),
            [CliOption.Flag("--explain", "add the readings weighed")]),
        new("dispatch suggest", """
            read JSON lines of matters ({"kind","title","content","location",
            "subject","receivedAt"}), write one routing suggestion a line
            (category, lead unit, co-units, rule, reason, confidence)
            """, Services(DispatchCli.SuggestAsync, writes: false)),
        new("dispatch classify", """
            train the category classifier on label,text rows, then answer
            texts on standard input ({"category","confidence","alternatives"})
            """, call => ClassifierCli.RunAsync(call.Value("--train"), Console.In, Console.Out, Console.Error),
            [new("--train", "FILE.csv", "the training rows: a header label,text, then one categorised text a row", Required: true)]),
        new("figures", """
            the figures per unit (response, resolution, satisfaction, on-time
            rates, overdue, returns, reopenings, score) as the city sees them,
            of the matters of one kind or channel (task, instruction...) if given
            """, Services(FiguresCli.RunAsync, writes: false),
            [
                new("--period", "2026-11|2026-Q4|2026", "a month, a quarter or a year (default: this month)"),
                new("--rank", "county|town|department", "the units ranked (default: county)"),
                new("--kind", "KIND", "only the matters of this kind"),
                new("--channel", "CHANNEL", "only the matters that came by this channel"),
                new("--format", "json|csv|xlsx", "the output (default: json); xlsx needs --out"),
                new("--out", "FILE", "write to FILE instead of standard output"),
            ]),
        new("figures verify", """
            count every matter again from the records and compare with the
            dashboard's counters (Features/Tally): exit 0 when equal, 2 naming
            each difference; --repair rebuilds the counters (exit 0)
            """, Services(TallyCli.VerifyAsync, writes: false),
            [CliOption.Flag("--repair", "rebuild the counters when they differ")]),
        new("calendar add-workdays", """
            the Nth Chinese working day after DATE (YYYY-MM-DD), not
            counting DATE; N = 0: DATE if a working day, else the next
            """, CalendarCli.ReadAsync, Words: new("DATE N", 2)),
        new("calendar is-workday", """
            yes or no: weekends and public holidays are off, the
            adjusted working days (调休) on; both verbs include the
            database's added days when the database exists
            """, CalendarCli.ReadAsync, Words: new("DATE", 1)),
        new("calendar days", "the year's days off and adjusted working days, shipped and added", CalendarCli.ReadAsync, Words: new("YEAR", 1)),
        new("calendar add-day", "add a local day off (台风停工) or a day worked, as the system", Services(CalendarCli.ChangeAsync),
            [new("--note", "NOTE", "why, kept with the day")], Words: new("DATE day_off|workday NAME", 3)),
        new("calendar add-year", """
            add a newly announced year's days (format of
            data/calendar/holidays.tsv): the year becomes covered
            """, Services(CalendarCli.ChangeAsync),
            [new("--note", "NOTE", "why, kept with the year")], Words: new("YEAR FILE.tsv", 2)),
        new("supervision run", """
            take the due automatic steps once (催办, 督办通知, 提级督办)
            and print how many: for cron, with Duban:Supervision:Job off
            """, Services(SupervisionCli.RunAsync)),
        new("supervision policies", """
            the time-limit policies in force, or FILE checked (every
            problem listed, exit 1) before it is deployed
            """, SupervisionCli.PoliciesAsync, Words: new("[FILE]", 1)),
        new("open311 keys add", """
            issue a key for an Open311 client (POST /open311/v2/requests.json,
            api_key): printed once, only its hash is kept; audited
            """, Services(Features.Open311.Open311Cli.AddAsync),
            [new("--name", "NAME", "who the key is for (unique, 1 to 60 characters)", Required: true)]),
        new("open311 keys remove", "withdraw the Open311 key named NAME (its clients are refused from then on); audited",
            Services(Features.Open311.Open311Cli.RemoveAsync),
            [new("--name", "NAME", "the key's name", Required: true)]),
        new("search rebuild", "write the full-text index of the matters anew (after a bulk load)", Services(SearchCli.RebuildAsync, writes: false)),
        // Its key checks are its own: they allow for a new key an interrupted rotation wrote but did not record.
        new("keys rotate", """
            a new seal key (keys/seal-N.key), the old ones kept: every sealed value
            is sealed again under it, N a transaction (default 500), audited;
            give the new key file to every node, then restart them; run
            again after a crash, it finishes the rotation (no other key)
            """, Services(KeysCli.RotateAsync, writes: false),
            [new("--batch", "N", "values sealed again a transaction, 1 to 10000 (default 500)")]),
        new("backup", """
            an online, consistent backup into a new directory: the database
            (SQLite: VACUUM INTO; PostgreSQL: pg_dump -Fc) and the keys,
            encrypted with DUBAN_BACKUP_PASSPHRASE (keys.enc)
            """, Services(BackupCli.BackupAsync, writes: false),
            [new("--out", "DIR", "a new or empty directory the backup is written into", Required: true)]),
        // Not through Services: its schema step would make a database in the directory restore must find empty.
        new("restore", """
            fill the EMPTY data directory (DUBAN_DATA_DIR) from a backup, and
            on PostgreSQL the empty configured database (pg_restore); the same
            DUBAN_BACKUP_PASSPHRASE; exit 73 if not empty, 65 if the passphrase
            is wrong or the backup damaged; then run audit verify
            """, call => BackupCli.RestoreAsync(call, () => Cli.BuildVerbHost(call.Configuration)),
            [new("--from", "DIR", "a directory written by backup", Required: true)]),
    ];

    /// <summary>Runs <paramref name="verb"/> with Duban's services and an up-to-date schema, without the web host.</summary>
    public static Func<CliCall, Task<int>> Services(Func<IServiceProvider, CliCall, Task<int>> verb, bool writes = true) =>
        call => Cli.WithServicesAsync(call, verb, writes);
}
