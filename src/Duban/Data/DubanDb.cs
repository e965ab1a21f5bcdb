using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Duban.Data;

public sealed class DubanDb(DbContextOptions<DubanDb> options) : DbContext(options)
{
    public DbSet<Unit> Units => Set<Unit>();
    public DbSet<User> Users => Set<User>();
    public DbSet<Matter> Matters => Set<Matter>();
    public DbSet<Assignment> Assignments => Set<Assignment>();
    public DbSet<MatterEvent> Events => Set<MatterEvent>();
    public DbSet<AuditHead> AuditHeads => Set<AuditHead>();
    public DbSet<AuditChain> AuditChains => Set<AuditChain>();
    public DbSet<IdempotencyRecord> IdempotencyRecords => Set<IdempotencyRecord>();
    public DbSet<GeoAlias> GeoAliases => Set<GeoAlias>();
    public DbSet<DispatchCatalogue> DispatchCatalogues => Set<DispatchCatalogue>();
    public DbSet<DispatchReturn> DispatchReturns => Set<DispatchReturn>();
    public DbSet<Notification> Notifications => Set<Notification>();
    public DbSet<NotificationRead> NotificationReads => Set<NotificationRead>();
    public DbSet<CalendarDay> CalendarDays => Set<CalendarDay>();
    public DbSet<Attachment> Attachments => Set<Attachment>();
    public DbSet<InspectionRoundRow> InspectionRounds => Set<InspectionRoundRow>();

    public bool IsPostgres => Database.ProviderName == "Npgsql.EntityFrameworkCore.PostgreSQL";

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // SQLite cannot order or compare DateTimeOffset in SQL; store UTC milliseconds there.
        // PostgreSQL keeps timestamptz. Both hold whole milliseconds (see Clock.Now), so a value
        // read back hashes the same as the value written, which the audit chain relies on.
        if (Database.ProviderName == "Microsoft.EntityFrameworkCore.Sqlite")
        {
            configurationBuilder.Properties<DateTimeOffset>().HaveConversion<UnixMillisecondsConverter>();
        }
    }

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        var b = modelBuilder;
        // The relationships are declared so that EF orders inserts as the foreign keys in the SQL scripts require.
        b.Entity<Unit>(e =>
        {
            e.ToTable("units");
            e.HasKey(x => x.Code);
            e.HasOne<Unit>().WithMany().HasForeignKey(x => x.ParentCode);
        });
        b.Entity<User>(e =>
        {
            e.ToTable("users");
            e.HasIndex(x => x.Username).IsUnique();
            e.HasOne<Unit>().WithMany().HasForeignKey(x => x.UnitCode);
        });
        b.Entity<Matter>(e =>
        {
            e.ToTable("matters");
            e.Property(x => x.Id).ValueGeneratedNever(); // allocated by RegisterNumbers
            e.Property(x => x.Version).IsConcurrencyToken();
            e.HasMany(x => x.Assignments).WithOne().HasForeignKey(x => x.MatterId);
            e.HasOne<Matter>().WithMany().HasForeignKey(x => x.ParentId);
            e.HasOne<Matter>().WithMany().HasForeignKey(x => x.MergedIntoId);
        });
        b.Entity<Assignment>(e =>
        {
            e.ToTable("assignments");
            e.HasOne<Unit>().WithMany().HasForeignKey(x => x.UnitCode);
            // Kept by the database's triggers (schema 0034): EF reads it and never writes it.
            e.Property(x => x.MatterStatus).Metadata.SetBeforeSaveBehavior(PropertySaveBehavior.Ignore);
            e.Property(x => x.MatterStatus).Metadata.SetAfterSaveBehavior(PropertySaveBehavior.Ignore);
        });
        b.Entity<MatterEvent>(e =>
        {
            e.ToTable("events");
            e.HasKey(x => x.Seq);
            e.Property(x => x.Seq).ValueGeneratedNever();
            e.HasOne<Matter>().WithMany().HasForeignKey(x => x.MatterId);
        });
        b.Entity<AuditHead>(e => { e.ToTable("audit_head"); e.Property(x => x.Id).ValueGeneratedNever(); });
        b.Entity<AuditChain>(e => { e.ToTable("audit_chains"); e.Property(x => x.Id).ValueGeneratedNever(); });
        b.Entity<IdempotencyRecord>(e => { e.ToTable("idempotency"); e.HasKey(x => new { x.Scope, x.Key }); });
        b.Entity<GeoAlias>(e => { e.ToTable("geo_aliases"); e.HasIndex(x => x.Alias).IsUnique(); });
        b.Entity<DispatchCatalogue>(e => { e.ToTable("dispatch_catalogues"); e.HasKey(x => x.Version); e.Property(x => x.Version).ValueGeneratedNever(); });
        b.Entity<DispatchReturn>(e =>
        {
            e.ToTable("dispatch_returns");
            e.HasOne<Matter>().WithMany().HasForeignKey(x => x.MatterId);
            e.HasOne<Unit>().WithMany().HasForeignKey(x => x.UnitCode);
        });
        b.Entity<CalendarDay>(e => e.ToTable("calendar_days"));
        b.Entity<Notification>(e =>
        {
            e.ToTable("notifications");
            e.HasOne<Matter>().WithMany().HasForeignKey(x => x.MatterId);
            e.HasOne<Unit>().WithMany().HasForeignKey(x => x.UnitCode);
        });
        b.Entity<NotificationRead>(e =>
        {
            e.ToTable("notification_reads");
            e.HasKey(x => new { x.NotificationId, x.UserId });
            e.HasOne<Notification>().WithMany().HasForeignKey(x => x.NotificationId);
            e.HasOne<User>().WithMany().HasForeignKey(x => x.UserId);
        });
        b.Entity<Attachment>(e =>
        {
            e.ToTable("attachments");
            e.HasOne<Matter>().WithMany().HasForeignKey(x => x.MatterId);
            e.HasOne<User>().WithMany().HasForeignKey(x => x.CreatedBy);
        });
        b.Entity<InspectionRoundRow>(e => { e.ToTable("inspection_rounds"); e.Property(x => x.Version).IsConcurrencyToken(); });
        // A module's tables (a facet's rows) are configured in its own folder: an IEntityTypeConfiguration
        // there is found here, so adding a kind of work never edits this file.
        b.ApplyConfigurationsFromAssembly(typeof(DubanDb).Assembly);

        foreach (var entity in b.Model.GetEntityTypes())
        {
            foreach (var property in entity.GetProperties())
            {
                property.SetColumnName(SnakeCase(property.Name));
            }
        }
    }

    internal static string SnakeCase(string name)
    {
        var sb = new StringBuilder(name.Length + 8);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c))
            {
                if (i > 0) sb.Append('_');
                sb.Append(char.ToLowerInvariant(c));
            }
            else
            {
                sb.Append(c);
            }
        }
        return sb.ToString();
    }
}

public sealed class UnixMillisecondsConverter() : ValueConverter<DateTimeOffset, long>(
    v => v.ToUnixTimeMilliseconds(),
    v => DateTimeOffset.FromUnixTimeMilliseconds(v));
