# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_keyctl_global_optspecs
    string join \n store= org= o/output= q/quiet y/yes h/help V/version
end

function __fish_keyctl_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_keyctl_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_keyctl_using_subcommand
    set -l cmd (__fish_keyctl_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c keyctl -n "__fish_keyctl_needs_command" -l store -d 'The store: a file, or a postgres:// URL (password from PGPASSWORD or ~/.pgpass) [default: <data dir>/keyctl/keyctl.db]' -r
complete -c keyctl -n "__fish_keyctl_needs_command" -l org -d 'The organization to work in (id or name) [default: config, else the only org]' -r -f
complete -c keyctl -n "__fish_keyctl_needs_command" -s o -l output -d 'Output format' -r -f -a "table\t'Columns that fit a 100-column terminal, names rather than ids'
wide\t'Every column, with ids and full times'
json\t'One JSON document (lists are arrays)'
csv\t'A header of JSON field names, then one row per object'"
complete -c keyctl -n "__fish_keyctl_needs_command" -s q -l quiet -d 'Print only the essential value (e.g. the new key)'
complete -c keyctl -n "__fish_keyctl_needs_command" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c keyctl -n "__fish_keyctl_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyctl -n "__fish_keyctl_needs_command" -s V -l version -d 'Print version'
complete -c keyctl -n "__fish_keyctl_needs_command" -f -a "init" -d 'Create a new store with its first organization (named by --org NAME) and default project'
complete -c keyctl -n "__fish_keyctl_needs_command" -f -a "unlock" -d 'Keep the store unlocked for a while (a background agent holds the key in memory)'
complete -c keyctl -n "__fish_keyctl_needs_command" -f -a "lock" -d 'End the unlock agent for this store (at once; later commands ask again)'
complete -c keyctl -n "__fish_keyctl_needs_command" -f -a "__agent" -d 'The unlock agent itself (started by `keyctl unlock`)'
complete -c keyctl -n "__fish_keyctl_needs_command" -f -a "store" -d 'Inspect and maintain the store: unlock slots, integrity'
complete -c keyctl -n "__fish_keyctl_needs_command" -f -a "org" -d 'Manage organizations'
complete -c keyctl -n "__fish_keyctl_needs_command" -f -a "project" -d 'Manage projects'
complete -c keyctl -n "__fish_keyctl_needs_command" -f -a "member" -d 'Manage members and their roles'
complete -c keyctl -n "__fish_keyctl_needs_command" -f -a "service-account" -d 'Manage service accounts (machine principals of one project)'
complete -c keyctl -n "__fish_keyctl_needs_command" -f -a "sa" -d 'Manage service accounts (machine principals of one project)'
complete -c keyctl -n "__fish_keyctl_needs_command" -f -a "key" -d 'Issue, inspect, rotate, revoke and verify API keys'
complete -c keyctl -n "__fish_keyctl_needs_command" -f -a "usage" -d 'Report requests and cost by day, key or project'
complete -c keyctl -n "__fish_keyctl_needs_command" -f -a "audit" -d 'Read and verify the audit log'
complete -c keyctl -n "__fish_keyctl_needs_command" -f -a "scan" -d 'Find keys in files and say which are live in this store (exit 10 if any)'
complete -c keyctl -n "__fish_keyctl_needs_command" -f -a "serve" -d 'Verify keys over HTTP: a JSON route for API servers, forward-auth for reverse proxies'
complete -c keyctl -n "__fish_keyctl_needs_command" -f -a "man" -d 'Print the man page (or write every page with --out-dir)'
complete -c keyctl -n "__fish_keyctl_needs_command" -f -a "completions" -d 'Print a shell completion script'
complete -c keyctl -n "__fish_keyctl_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keyctl -n "__fish_keyctl_using_subcommand init" -l owner -d 'Your email: the owner identity, a member with role `all` in every org [default: owner@localhost]' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand init" -l store -d 'The store: a file, or a postgres:// URL (password from PGPASSWORD or ~/.pgpass) [default: <data dir>/keyctl/keyctl.db]' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand init" -l org -d 'The organization to work in (id or name) [default: config, else the only org]' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand init" -s o -l output -d 'Output format' -r -f -a "table\t'Columns that fit a 100-column terminal, names rather than ids'
wide\t'Every column, with ids and full times'
json\t'One JSON document (lists are arrays)'
csv\t'A header of JSON field names, then one row per object'"
complete -c keyctl -n "__fish_keyctl_using_subcommand init" -l personal -d 'Make the first organization a personal one (no service accounts)'
complete -c keyctl -n "__fish_keyctl_using_subcommand init" -s q -l quiet -d 'Print only the essential value (e.g. the new key)'
complete -c keyctl -n "__fish_keyctl_using_subcommand init" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c keyctl -n "__fish_keyctl_using_subcommand init" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyctl -n "__fish_keyctl_using_subcommand init" -s V -l version -d 'Print version'
complete -c keyctl -n "__fish_keyctl_using_subcommand unlock" -l for -d 'How long the store stays unlocked, e.g. 15m, 1h, 8h' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand unlock" -l store -d 'The store: a file, or a postgres:// URL (password from PGPASSWORD or ~/.pgpass) [default: <data dir>/keyctl/keyctl.db]' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand unlock" -l org -d 'The organization to work in (id or name) [default: config, else the only org]' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand unlock" -s o -l output -d 'Output format' -r -f -a "table\t'Columns that fit a 100-column terminal, names rather than ids'
wide\t'Every column, with ids and full times'
json\t'One JSON document (lists are arrays)'
csv\t'A header of JSON field names, then one row per object'"
complete -c keyctl -n "__fish_keyctl_using_subcommand unlock" -s q -l quiet -d 'Print only the essential value (e.g. the new key)'
complete -c keyctl -n "__fish_keyctl_using_subcommand unlock" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c keyctl -n "__fish_keyctl_using_subcommand unlock" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyctl -n "__fish_keyctl_using_subcommand unlock" -s V -l version -d 'Print version'
complete -c keyctl -n "__fish_keyctl_using_subcommand lock" -l store -d 'The store: a file, or a postgres:// URL (password from PGPASSWORD or ~/.pgpass) [default: <data dir>/keyctl/keyctl.db]' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand lock" -l org -d 'The organization to work in (id or name) [default: config, else the only org]' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand lock" -s o -l output -d 'Output format' -r -f -a "table\t'Columns that fit a 100-column terminal, names rather than ids'
wide\t'Every column, with ids and full times'
json\t'One JSON document (lists are arrays)'
csv\t'A header of JSON field names, then one row per object'"
complete -c keyctl -n "__fish_keyctl_using_subcommand lock" -s q -l quiet -d 'Print only the essential value (e.g. the new key)'
complete -c keyctl -n "__fish_keyctl_using_subcommand lock" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c keyctl -n "__fish_keyctl_using_subcommand lock" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyctl -n "__fish_keyctl_using_subcommand lock" -s V -l version -d 'Print version'
complete -c keyctl -n "__fish_keyctl_using_subcommand __agent" -l socket -r -F
complete -c keyctl -n "__fish_keyctl_using_subcommand __agent" -l seconds -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand __agent" -l store -d 'The store: a file, or a postgres:// URL (password from PGPASSWORD or ~/.pgpass) [default: <data dir>/keyctl/keyctl.db]' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand __agent" -l org -d 'The organization to work in (id or name) [default: config, else the only org]' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand __agent" -s o -l output -d 'Output format' -r -f -a "table\t'Columns that fit a 100-column terminal, names rather than ids'
wide\t'Every column, with ids and full times'
json\t'One JSON document (lists are arrays)'
csv\t'A header of JSON field names, then one row per object'"
complete -c keyctl -n "__fish_keyctl_using_subcommand __agent" -s q -l quiet -d 'Print only the essential value (e.g. the new key)'
complete -c keyctl -n "__fish_keyctl_using_subcommand __agent" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c keyctl -n "__fish_keyctl_using_subcommand __agent" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyctl -n "__fish_keyctl_using_subcommand __agent" -s V -l version -d 'Print version'
complete -c keyctl -n "__fish_keyctl_using_subcommand store; and not __fish_seen_subcommand_from info check passwd add-key keys remove-key backup copy rekey restore help" -l store -d 'The store: a file, or a postgres:// URL (password from PGPASSWORD or ~/.pgpass) [default: <data dir>/keyctl/keyctl.db]' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand store; and not __fish_seen_subcommand_from info check passwd add-key keys remove-key backup copy rekey restore help" -l org -d 'The organization to work in (id or name) [default: config, else the only org]' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand store; and not __fish_seen_subcommand_from info check passwd add-key keys remove-key backup copy rekey restore help" -s o -l output -d 'Output format' -r -f -a "table\t'Columns that fit a 100-column terminal, names rather than ids'
wide\t'Every column, with ids and full times'
json\t'One JSON document (lists are arrays)'
csv\t'A header of JSON field names, then one row per object'"
complete -c keyctl -n "__fish_keyctl_using_subcommand store; and not __fish_seen_subcommand_from info check passwd add-key keys remove-key backup copy rekey restore help" -s q -l quiet -d 'Print only the essential value (e.g. the new key)'
complete -c keyctl -n "__fish_keyctl_using_subcommand store; and not __fish_seen_subcommand_from info check passwd add-key keys remove-key backup copy rekey restore help" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c keyctl -n "__fish_keyctl_using_subcommand store; and not __fish_seen_subcommand_from info check passwd add-key keys remove-key backup copy rekey restore help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyctl -n "__fish_keyctl_using_subcommand store; and not __fish_seen_subcommand_from info check passwd add-key keys remove-key backup copy rekey restore help" -s V -l version -d 'Print version'
complete -c keyctl -n "__fish_keyctl_using_subcommand store; and not __fish_seen_subcommand_from info check passwd add-key keys remove-key backup copy rekey restore help" -f -a "info" -d 'Show the store\'s path, schema, slots and counts'
complete -c keyctl -n "__fish_keyctl_using_subcommand store; and not __fish_seen_subcommand_from info check passwd add-key keys remove-key backup copy rekey restore help" -f -a "check" -d 'Authenticate every row and the audit chain; exit 4 naming what failed'
complete -c keyctl -n "__fish_keyctl_using_subcommand store; and not __fish_seen_subcommand_from info check passwd add-key keys remove-key backup copy rekey restore help" -f -a "passwd" -d 'Change the passphrase (new one from a prompt or KEYCTL_NEW_PASSPHRASE)'
complete -c keyctl -n "__fish_keyctl_using_subcommand store; and not __fish_seen_subcommand_from info check passwd add-key keys remove-key backup copy rekey restore help" -f -a "add-key" -d 'Add a named store key (an unlock slot for machines); printed once'
complete -c keyctl -n "__fish_keyctl_using_subcommand store; and not __fish_seen_subcommand_from info check passwd add-key keys remove-key backup copy rekey restore help" -f -a "keys" -d 'List unlock slots'
complete -c keyctl -n "__fish_keyctl_using_subcommand store; and not __fish_seen_subcommand_from info check passwd add-key keys remove-key backup copy rekey restore help" -f -a "remove-key" -d 'Remove an unlock slot; its secret stops working at once'
complete -c keyctl -n "__fish_keyctl_using_subcommand store; and not __fish_seen_subcommand_from info check passwd add-key keys remove-key backup copy rekey restore help" -f -a "backup" -d 'Write a consistent copy of the store (0600, with its unlock slots), online'
complete -c keyctl -n "__fish_keyctl_using_subcommand store; and not __fish_seen_subcommand_from info check passwd add-key keys remove-key backup copy rekey restore help" -f -a "copy" -d 'Copy the whole store to a new file or PostgreSQL schema (same passphrase and store keys), then check the copy'
complete -c keyctl -n "__fish_keyctl_using_subcommand store; and not __fish_seen_subcommand_from info check passwd add-key keys remove-key backup copy rekey restore help" -f -a "rekey" -d 'A new data key: everything re-sealed, the passphrase slot re-wrapped, every store key re-issued'
complete -c keyctl -n "__fish_keyctl_using_subcommand store; and not __fish_seen_subcommand_from info check passwd add-key keys remove-key backup copy rekey restore help" -f -a "restore" -d 'Put a backup back in place of the store, on purpose (moves the rollback anchor)'
complete -c keyctl -n "__fish_keyctl_using_subcommand store; and not __fish_seen_subcommand_from info check passwd add-key keys remove-key backup copy rekey restore help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keyctl -n "__fish_keyctl_using_subcommand store; and __fish_seen_subcommand_from info" -l store -d 'The store: a file, or a postgres:// URL (password from PGPASSWORD or ~/.pgpass) [default: <data dir>/keyctl/keyctl.db]' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand store; and __fish_seen_subcommand_from info" -l org -d 'The organization to work in (id or name) [default: config, else the only org]' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand store; and __fish_seen_subcommand_from info" -s o -l output -d 'Output format' -r -f -a "table\t'Columns that fit a 100-column terminal, names rather than ids'
wide\t'Every column, with ids and full times'
json\t'One JSON document (lists are arrays)'
csv\t'A header of JSON field names, then one row per object'"
complete -c keyctl -n "__fish_keyctl_using_subcommand store; and __fish_seen_subcommand_from info" -s q -l quiet -d 'Print only the essential value (e.g. the new key)'
complete -c keyctl -n "__fish_keyctl_using_subcommand store; and __fish_seen_subcommand_from info" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c keyctl -n "__fish_keyctl_using_subcommand store; and __fish_seen_subcommand_from info" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyctl -n "__fish_keyctl_using_subcommand store; and __fish_seen_subcommand_from info" -s V -l version -d 'Print version'
complete -c keyctl -n "__fish_keyctl_using_subcommand store; and __fish_seen_subcommand_from check" -l expect-generation -d 'Also fail (exit 4) when the store\'s generation (see `store info`) is below N' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand store; and __fish_seen_subcommand_from check" -l store -d 'The store: a file, or a postgres:// URL (password from PGPASSWORD or ~/.pgpass) [default: <data dir>/keyctl/keyctl.db]' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand store; and __fish_seen_subcommand_from check" -l org -d 'The organization to work in (id or name) [default: config, else the only org]' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand store; and __fish_seen_subcommand_from check" -s o -l output -d 'Output format' -r -f -a "table\t'Columns that fit a 100-column terminal, names rather than ids'
wide\t'Every column, with ids and full times'
json\t'One JSON document (lists are arrays)'
csv\t'A header of JSON field names, then one row per object'"
complete -c keyctl -n "__fish_keyctl_using_subcommand store; and __fish_seen_subcommand_from check" -s q -l quiet -d 'Print only the essential value (e.g. the new key)'
complete -c keyctl -n "__fish_keyctl_using_subcommand store; and __fish_seen_subcommand_from check" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c keyctl -n "__fish_keyctl_using_subcommand store; and __fish_seen_subcommand_from check" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyctl -n "__fish_keyctl_using_subcommand store; and __fish_seen_subcommand_from check" -s V -l version -d 'Print version'
complete -c keyctl -n "__fish_keyctl_using_subcommand store; and __fish_seen_subcommand_from passwd" -l store -d 'The store: a file, or a postgres:// URL (password from PGPASSWORD or ~/.pgpass) [default: <data dir>/keyctl/keyctl.db]' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand store; and __fish_seen_subcommand_from passwd" -l org -d 'The organization to work in (id or name) [default: config, else the only org]' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand store; and __fish_seen_subcommand_from passwd" -s o -l output -d 'Output format' -r -f -a "table\t'Columns that fit a 100-column terminal, names rather than ids'
wide\t'Every column, with ids and full times'
json\t'One JSON document (lists are arrays)'
csv\t'A header of JSON field names, then one row per object'"
complete -c keyctl -n "__fish_keyctl_using_subcommand store; and __fish_seen_subcommand_from passwd" -s q -l quiet -d 'Print only the essential value (e.g. the new key)'
complete -c keyctl -n "__fish_keyctl_using_subcommand store; and __fish_seen_subcommand_from passwd" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c keyctl -n "__fish_keyctl_using_subcommand store; and __fish_seen_subcommand_from passwd" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyctl -n "__fish_keyctl_using_subcommand store; and __fish_seen_subcommand_from passwd" -s V -l version -d 'Print version'
complete -c keyctl -n "__fish_keyctl_using_subcommand store; and __fish_seen_subcommand_from add-key" -l store -d 'The store: a file, or a postgres:// URL (password from PGPASSWORD or ~/.pgpass) [default: <data dir>/keyctl/keyctl.db]' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand store; and __fish_seen_subcommand_from add-key" -l org -d 'The organization to work in (id or name) [default: config, else the only org]' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand store; and __fish_seen_subcommand_from add-key" -s o -l output -d 'Output format' -r -f -a "table\t'Columns that fit a 100-column terminal, names rather than ids'
wide\t'Every column, with ids and full times'
json\t'One JSON document (lists are arrays)'
csv\t'A header of JSON field names, then one row per object'"
complete -c keyctl -n "__fish_keyctl_using_subcommand store; and __fish_seen_subcommand_from add-key" -l admin -d 'Let this key manage unlock slots too (add-key, remove-key, passwd), like the passphrase'
complete -c keyctl -n "__fish_keyctl_using_subcommand store; and __fish_seen_subcommand_from add-key" -s q -l quiet -d 'Print only the essential value (e.g. the new key)'
complete -c keyctl -n "__fish_keyctl_using_subcommand store; and __fish_seen_subcommand_from add-key" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c keyctl -n "__fish_keyctl_using_subcommand store; and __fish_seen_subcommand_from add-key" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyctl -n "__fish_keyctl_using_subcommand store; and __fish_seen_subcommand_from add-key" -s V -l version -d 'Print version'
complete -c keyctl -n "__fish_keyctl_using_subcommand store; and __fish_seen_subcommand_from keys" -l store -d 'The store: a file, or a postgres:// URL (password from PGPASSWORD or ~/.pgpass) [default: <data dir>/keyctl/keyctl.db]' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand store; and __fish_seen_subcommand_from keys" -l org -d 'The organization to work in (id or name) [default: config, else the only org]' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand store; and __fish_seen_subcommand_from keys" -s o -l output -d 'Output format' -r -f -a "table\t'Columns that fit a 100-column terminal, names rather than ids'
wide\t'Every column, with ids and full times'
json\t'One JSON document (lists are arrays)'
csv\t'A header of JSON field names, then one row per object'"
complete -c keyctl -n "__fish_keyctl_using_subcommand store; and __fish_seen_subcommand_from keys" -s q -l quiet -d 'Print only the essential value (e.g. the new key)'
complete -c keyctl -n "__fish_keyctl_using_subcommand store; and __fish_seen_subcommand_from keys" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c keyctl -n "__fish_keyctl_using_subcommand store; and __fish_seen_subcommand_from keys" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyctl -n "__fish_keyctl_using_subcommand store; and __fish_seen_subcommand_from keys" -s V -l version -d 'Print version'
complete -c keyctl -n "__fish_keyctl_using_subcommand store; and __fish_seen_subcommand_from remove-key" -l store -d 'The store: a file, or a postgres:// URL (password from PGPASSWORD or ~/.pgpass) [default: <data dir>/keyctl/keyctl.db]' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand store; and __fish_seen_subcommand_from remove-key" -l org -d 'The organization to work in (id or name) [default: config, else the only org]' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand store; and __fish_seen_subcommand_from remove-key" -s o -l output -d 'Output format' -r -f -a "table\t'Columns that fit a 100-column terminal, names rather than ids'
wide\t'Every column, with ids and full times'
json\t'One JSON document (lists are arrays)'
csv\t'A header of JSON field names, then one row per object'"
complete -c keyctl -n "__fish_keyctl_using_subcommand store; and __fish_seen_subcommand_from remove-key" -s q -l quiet -d 'Print only the essential value (e.g. the new key)'
complete -c keyctl -n "__fish_keyctl_using_subcommand store; and __fish_seen_subcommand_from remove-key" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c keyctl -n "__fish_keyctl_using_subcommand store; and __fish_seen_subcommand_from remove-key" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyctl -n "__fish_keyctl_using_subcommand store; and __fish_seen_subcommand_from remove-key" -s V -l version -d 'Print version'
complete -c keyctl -n "__fish_keyctl_using_subcommand store; and __fish_seen_subcommand_from backup" -l store -d 'The store: a file, or a postgres:// URL (password from PGPASSWORD or ~/.pgpass) [default: <data dir>/keyctl/keyctl.db]' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand store; and __fish_seen_subcommand_from backup" -l org -d 'The organization to work in (id or name) [default: config, else the only org]' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand store; and __fish_seen_subcommand_from backup" -s o -l output -d 'Output format' -r -f -a "table\t'Columns that fit a 100-column terminal, names rather than ids'
wide\t'Every column, with ids and full times'
json\t'One JSON document (lists are arrays)'
csv\t'A header of JSON field names, then one row per object'"
complete -c keyctl -n "__fish_keyctl_using_subcommand store; and __fish_seen_subcommand_from backup" -s q -l quiet -d 'Print only the essential value (e.g. the new key)'
complete -c keyctl -n "__fish_keyctl_using_subcommand store; and __fish_seen_subcommand_from backup" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c keyctl -n "__fish_keyctl_using_subcommand store; and __fish_seen_subcommand_from backup" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyctl -n "__fish_keyctl_using_subcommand store; and __fish_seen_subcommand_from backup" -s V -l version -d 'Print version'
complete -c keyctl -n "__fish_keyctl_using_subcommand store; and __fish_seen_subcommand_from copy" -l store -d 'The store: a file, or a postgres:// URL (password from PGPASSWORD or ~/.pgpass) [default: <data dir>/keyctl/keyctl.db]' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand store; and __fish_seen_subcommand_from copy" -l org -d 'The organization to work in (id or name) [default: config, else the only org]' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand store; and __fish_seen_subcommand_from copy" -s o -l output -d 'Output format' -r -f -a "table\t'Columns that fit a 100-column terminal, names rather than ids'
wide\t'Every column, with ids and full times'
json\t'One JSON document (lists are arrays)'
csv\t'A header of JSON field names, then one row per object'"
complete -c keyctl -n "__fish_keyctl_using_subcommand store; and __fish_seen_subcommand_from copy" -s q -l quiet -d 'Print only the essential value (e.g. the new key)'
complete -c keyctl -n "__fish_keyctl_using_subcommand store; and __fish_seen_subcommand_from copy" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c keyctl -n "__fish_keyctl_using_subcommand store; and __fish_seen_subcommand_from copy" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyctl -n "__fish_keyctl_using_subcommand store; and __fish_seen_subcommand_from copy" -s V -l version -d 'Print version'
complete -c keyctl -n "__fish_keyctl_using_subcommand store; and __fish_seen_subcommand_from rekey" -l store -d 'The store: a file, or a postgres:// URL (password from PGPASSWORD or ~/.pgpass) [default: <data dir>/keyctl/keyctl.db]' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand store; and __fish_seen_subcommand_from rekey" -l org -d 'The organization to work in (id or name) [default: config, else the only org]' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand store; and __fish_seen_subcommand_from rekey" -s o -l output -d 'Output format' -r -f -a "table\t'Columns that fit a 100-column terminal, names rather than ids'
wide\t'Every column, with ids and full times'
json\t'One JSON document (lists are arrays)'
csv\t'A header of JSON field names, then one row per object'"
complete -c keyctl -n "__fish_keyctl_using_subcommand store; and __fish_seen_subcommand_from rekey" -s q -l quiet -d 'Print only the essential value (e.g. the new key)'
complete -c keyctl -n "__fish_keyctl_using_subcommand store; and __fish_seen_subcommand_from rekey" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c keyctl -n "__fish_keyctl_using_subcommand store; and __fish_seen_subcommand_from rekey" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyctl -n "__fish_keyctl_using_subcommand store; and __fish_seen_subcommand_from rekey" -s V -l version -d 'Print version'
complete -c keyctl -n "__fish_keyctl_using_subcommand store; and __fish_seen_subcommand_from restore" -l store -d 'The store: a file, or a postgres:// URL (password from PGPASSWORD or ~/.pgpass) [default: <data dir>/keyctl/keyctl.db]' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand store; and __fish_seen_subcommand_from restore" -l org -d 'The organization to work in (id or name) [default: config, else the only org]' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand store; and __fish_seen_subcommand_from restore" -s o -l output -d 'Output format' -r -f -a "table\t'Columns that fit a 100-column terminal, names rather than ids'
wide\t'Every column, with ids and full times'
json\t'One JSON document (lists are arrays)'
csv\t'A header of JSON field names, then one row per object'"
complete -c keyctl -n "__fish_keyctl_using_subcommand store; and __fish_seen_subcommand_from restore" -s q -l quiet -d 'Print only the essential value (e.g. the new key)'
complete -c keyctl -n "__fish_keyctl_using_subcommand store; and __fish_seen_subcommand_from restore" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c keyctl -n "__fish_keyctl_using_subcommand store; and __fish_seen_subcommand_from restore" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyctl -n "__fish_keyctl_using_subcommand store; and __fish_seen_subcommand_from restore" -s V -l version -d 'Print version'
complete -c keyctl -n "__fish_keyctl_using_subcommand store; and __fish_seen_subcommand_from help" -f -a "info" -d 'Show the store\'s path, schema, slots and counts'
complete -c keyctl -n "__fish_keyctl_using_subcommand store; and __fish_seen_subcommand_from help" -f -a "check" -d 'Authenticate every row and the audit chain; exit 4 naming what failed'
complete -c keyctl -n "__fish_keyctl_using_subcommand store; and __fish_seen_subcommand_from help" -f -a "passwd" -d 'Change the passphrase (new one from a prompt or KEYCTL_NEW_PASSPHRASE)'
complete -c keyctl -n "__fish_keyctl_using_subcommand store; and __fish_seen_subcommand_from help" -f -a "add-key" -d 'Add a named store key (an unlock slot for machines); printed once'
complete -c keyctl -n "__fish_keyctl_using_subcommand store; and __fish_seen_subcommand_from help" -f -a "keys" -d 'List unlock slots'
complete -c keyctl -n "__fish_keyctl_using_subcommand store; and __fish_seen_subcommand_from help" -f -a "remove-key" -d 'Remove an unlock slot; its secret stops working at once'
complete -c keyctl -n "__fish_keyctl_using_subcommand store; and __fish_seen_subcommand_from help" -f -a "backup" -d 'Write a consistent copy of the store (0600, with its unlock slots), online'
complete -c keyctl -n "__fish_keyctl_using_subcommand store; and __fish_seen_subcommand_from help" -f -a "copy" -d 'Copy the whole store to a new file or PostgreSQL schema (same passphrase and store keys), then check the copy'
complete -c keyctl -n "__fish_keyctl_using_subcommand store; and __fish_seen_subcommand_from help" -f -a "rekey" -d 'A new data key: everything re-sealed, the passphrase slot re-wrapped, every store key re-issued'
complete -c keyctl -n "__fish_keyctl_using_subcommand store; and __fish_seen_subcommand_from help" -f -a "restore" -d 'Put a backup back in place of the store, on purpose (moves the rollback anchor)'
complete -c keyctl -n "__fish_keyctl_using_subcommand store; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keyctl -n "__fish_keyctl_using_subcommand org; and not __fish_seen_subcommand_from create list show rename upgrade use delete help" -l store -d 'The store: a file, or a postgres:// URL (password from PGPASSWORD or ~/.pgpass) [default: <data dir>/keyctl/keyctl.db]' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand org; and not __fish_seen_subcommand_from create list show rename upgrade use delete help" -l org -d 'The organization to work in (id or name) [default: config, else the only org]' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand org; and not __fish_seen_subcommand_from create list show rename upgrade use delete help" -s o -l output -d 'Output format' -r -f -a "table\t'Columns that fit a 100-column terminal, names rather than ids'
wide\t'Every column, with ids and full times'
json\t'One JSON document (lists are arrays)'
csv\t'A header of JSON field names, then one row per object'"
complete -c keyctl -n "__fish_keyctl_using_subcommand org; and not __fish_seen_subcommand_from create list show rename upgrade use delete help" -s q -l quiet -d 'Print only the essential value (e.g. the new key)'
complete -c keyctl -n "__fish_keyctl_using_subcommand org; and not __fish_seen_subcommand_from create list show rename upgrade use delete help" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c keyctl -n "__fish_keyctl_using_subcommand org; and not __fish_seen_subcommand_from create list show rename upgrade use delete help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyctl -n "__fish_keyctl_using_subcommand org; and not __fish_seen_subcommand_from create list show rename upgrade use delete help" -s V -l version -d 'Print version'
complete -c keyctl -n "__fish_keyctl_using_subcommand org; and not __fish_seen_subcommand_from create list show rename upgrade use delete help" -f -a "create" -d 'Create an organization (with its default project)'
complete -c keyctl -n "__fish_keyctl_using_subcommand org; and not __fish_seen_subcommand_from create list show rename upgrade use delete help" -f -a "list" -d 'List organizations'
complete -c keyctl -n "__fish_keyctl_using_subcommand org; and not __fish_seen_subcommand_from create list show rename upgrade use delete help" -f -a "show" -d 'Show an organization [default: the current one]'
complete -c keyctl -n "__fish_keyctl_using_subcommand org; and not __fish_seen_subcommand_from create list show rename upgrade use delete help" -f -a "rename" -d 'Rename an organization'
complete -c keyctl -n "__fish_keyctl_using_subcommand org; and not __fish_seen_subcommand_from create list show rename upgrade use delete help" -f -a "upgrade" -d 'Turn a personal organization into a team organization'
complete -c keyctl -n "__fish_keyctl_using_subcommand org; and not __fish_seen_subcommand_from create list show rename upgrade use delete help" -f -a "use" -d 'Make ORG the default for later commands (saved in the config file)'
complete -c keyctl -n "__fish_keyctl_using_subcommand org; and not __fish_seen_subcommand_from create list show rename upgrade use delete help" -f -a "delete" -d 'Delete an organization and everything in it (asks for confirmation)'
complete -c keyctl -n "__fish_keyctl_using_subcommand org; and not __fish_seen_subcommand_from create list show rename upgrade use delete help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keyctl -n "__fish_keyctl_using_subcommand org; and __fish_seen_subcommand_from create" -l store -d 'The store: a file, or a postgres:// URL (password from PGPASSWORD or ~/.pgpass) [default: <data dir>/keyctl/keyctl.db]' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand org; and __fish_seen_subcommand_from create" -l org -d 'The organization to work in (id or name) [default: config, else the only org]' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand org; and __fish_seen_subcommand_from create" -s o -l output -d 'Output format' -r -f -a "table\t'Columns that fit a 100-column terminal, names rather than ids'
wide\t'Every column, with ids and full times'
json\t'One JSON document (lists are arrays)'
csv\t'A header of JSON field names, then one row per object'"
complete -c keyctl -n "__fish_keyctl_using_subcommand org; and __fish_seen_subcommand_from create" -l personal -d 'A personal org: no service accounts until `keyctl org upgrade`'
complete -c keyctl -n "__fish_keyctl_using_subcommand org; and __fish_seen_subcommand_from create" -s q -l quiet -d 'Print only the essential value (e.g. the new key)'
complete -c keyctl -n "__fish_keyctl_using_subcommand org; and __fish_seen_subcommand_from create" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c keyctl -n "__fish_keyctl_using_subcommand org; and __fish_seen_subcommand_from create" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyctl -n "__fish_keyctl_using_subcommand org; and __fish_seen_subcommand_from create" -s V -l version -d 'Print version'
complete -c keyctl -n "__fish_keyctl_using_subcommand org; and __fish_seen_subcommand_from list" -l store -d 'The store: a file, or a postgres:// URL (password from PGPASSWORD or ~/.pgpass) [default: <data dir>/keyctl/keyctl.db]' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand org; and __fish_seen_subcommand_from list" -l org -d 'The organization to work in (id or name) [default: config, else the only org]' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand org; and __fish_seen_subcommand_from list" -s o -l output -d 'Output format' -r -f -a "table\t'Columns that fit a 100-column terminal, names rather than ids'
wide\t'Every column, with ids and full times'
json\t'One JSON document (lists are arrays)'
csv\t'A header of JSON field names, then one row per object'"
complete -c keyctl -n "__fish_keyctl_using_subcommand org; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print only the essential value (e.g. the new key)'
complete -c keyctl -n "__fish_keyctl_using_subcommand org; and __fish_seen_subcommand_from list" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c keyctl -n "__fish_keyctl_using_subcommand org; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyctl -n "__fish_keyctl_using_subcommand org; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c keyctl -n "__fish_keyctl_using_subcommand org; and __fish_seen_subcommand_from show" -l store -d 'The store: a file, or a postgres:// URL (password from PGPASSWORD or ~/.pgpass) [default: <data dir>/keyctl/keyctl.db]' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand org; and __fish_seen_subcommand_from show" -l org -d 'The organization to work in (id or name) [default: config, else the only org]' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand org; and __fish_seen_subcommand_from show" -s o -l output -d 'Output format' -r -f -a "table\t'Columns that fit a 100-column terminal, names rather than ids'
wide\t'Every column, with ids and full times'
json\t'One JSON document (lists are arrays)'
csv\t'A header of JSON field names, then one row per object'"
complete -c keyctl -n "__fish_keyctl_using_subcommand org; and __fish_seen_subcommand_from show" -s q -l quiet -d 'Print only the essential value (e.g. the new key)'
complete -c keyctl -n "__fish_keyctl_using_subcommand org; and __fish_seen_subcommand_from show" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c keyctl -n "__fish_keyctl_using_subcommand org; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyctl -n "__fish_keyctl_using_subcommand org; and __fish_seen_subcommand_from show" -s V -l version -d 'Print version'
complete -c keyctl -n "__fish_keyctl_using_subcommand org; and __fish_seen_subcommand_from rename" -l store -d 'The store: a file, or a postgres:// URL (password from PGPASSWORD or ~/.pgpass) [default: <data dir>/keyctl/keyctl.db]' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand org; and __fish_seen_subcommand_from rename" -l org -d 'The organization to work in (id or name) [default: config, else the only org]' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand org; and __fish_seen_subcommand_from rename" -s o -l output -d 'Output format' -r -f -a "table\t'Columns that fit a 100-column terminal, names rather than ids'
wide\t'Every column, with ids and full times'
json\t'One JSON document (lists are arrays)'
csv\t'A header of JSON field names, then one row per object'"
complete -c keyctl -n "__fish_keyctl_using_subcommand org; and __fish_seen_subcommand_from rename" -s q -l quiet -d 'Print only the essential value (e.g. the new key)'
complete -c keyctl -n "__fish_keyctl_using_subcommand org; and __fish_seen_subcommand_from rename" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c keyctl -n "__fish_keyctl_using_subcommand org; and __fish_seen_subcommand_from rename" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyctl -n "__fish_keyctl_using_subcommand org; and __fish_seen_subcommand_from rename" -s V -l version -d 'Print version'
complete -c keyctl -n "__fish_keyctl_using_subcommand org; and __fish_seen_subcommand_from upgrade" -l store -d 'The store: a file, or a postgres:// URL (password from PGPASSWORD or ~/.pgpass) [default: <data dir>/keyctl/keyctl.db]' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand org; and __fish_seen_subcommand_from upgrade" -l org -d 'The organization to work in (id or name) [default: config, else the only org]' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand org; and __fish_seen_subcommand_from upgrade" -s o -l output -d 'Output format' -r -f -a "table\t'Columns that fit a 100-column terminal, names rather than ids'
wide\t'Every column, with ids and full times'
json\t'One JSON document (lists are arrays)'
csv\t'A header of JSON field names, then one row per object'"
complete -c keyctl -n "__fish_keyctl_using_subcommand org; and __fish_seen_subcommand_from upgrade" -s q -l quiet -d 'Print only the essential value (e.g. the new key)'
complete -c keyctl -n "__fish_keyctl_using_subcommand org; and __fish_seen_subcommand_from upgrade" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c keyctl -n "__fish_keyctl_using_subcommand org; and __fish_seen_subcommand_from upgrade" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyctl -n "__fish_keyctl_using_subcommand org; and __fish_seen_subcommand_from upgrade" -s V -l version -d 'Print version'
complete -c keyctl -n "__fish_keyctl_using_subcommand org; and __fish_seen_subcommand_from use" -l store -d 'The store: a file, or a postgres:// URL (password from PGPASSWORD or ~/.pgpass) [default: <data dir>/keyctl/keyctl.db]' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand org; and __fish_seen_subcommand_from use" -l org -d 'The organization to work in (id or name) [default: config, else the only org]' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand org; and __fish_seen_subcommand_from use" -s o -l output -d 'Output format' -r -f -a "table\t'Columns that fit a 100-column terminal, names rather than ids'
wide\t'Every column, with ids and full times'
json\t'One JSON document (lists are arrays)'
csv\t'A header of JSON field names, then one row per object'"
complete -c keyctl -n "__fish_keyctl_using_subcommand org; and __fish_seen_subcommand_from use" -s q -l quiet -d 'Print only the essential value (e.g. the new key)'
complete -c keyctl -n "__fish_keyctl_using_subcommand org; and __fish_seen_subcommand_from use" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c keyctl -n "__fish_keyctl_using_subcommand org; and __fish_seen_subcommand_from use" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyctl -n "__fish_keyctl_using_subcommand org; and __fish_seen_subcommand_from use" -s V -l version -d 'Print version'
complete -c keyctl -n "__fish_keyctl_using_subcommand org; and __fish_seen_subcommand_from delete" -l store -d 'The store: a file, or a postgres:// URL (password from PGPASSWORD or ~/.pgpass) [default: <data dir>/keyctl/keyctl.db]' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand org; and __fish_seen_subcommand_from delete" -l org -d 'The organization to work in (id or name) [default: config, else the only org]' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand org; and __fish_seen_subcommand_from delete" -s o -l output -d 'Output format' -r -f -a "table\t'Columns that fit a 100-column terminal, names rather than ids'
wide\t'Every column, with ids and full times'
json\t'One JSON document (lists are arrays)'
csv\t'A header of JSON field names, then one row per object'"
complete -c keyctl -n "__fish_keyctl_using_subcommand org; and __fish_seen_subcommand_from delete" -s q -l quiet -d 'Print only the essential value (e.g. the new key)'
complete -c keyctl -n "__fish_keyctl_using_subcommand org; and __fish_seen_subcommand_from delete" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c keyctl -n "__fish_keyctl_using_subcommand org; and __fish_seen_subcommand_from delete" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyctl -n "__fish_keyctl_using_subcommand org; and __fish_seen_subcommand_from delete" -s V -l version -d 'Print version'
complete -c keyctl -n "__fish_keyctl_using_subcommand org; and __fish_seen_subcommand_from help" -f -a "create" -d 'Create an organization (with its default project)'
complete -c keyctl -n "__fish_keyctl_using_subcommand org; and __fish_seen_subcommand_from help" -f -a "list" -d 'List organizations'
complete -c keyctl -n "__fish_keyctl_using_subcommand org; and __fish_seen_subcommand_from help" -f -a "show" -d 'Show an organization [default: the current one]'
complete -c keyctl -n "__fish_keyctl_using_subcommand org; and __fish_seen_subcommand_from help" -f -a "rename" -d 'Rename an organization'
complete -c keyctl -n "__fish_keyctl_using_subcommand org; and __fish_seen_subcommand_from help" -f -a "upgrade" -d 'Turn a personal organization into a team organization'
complete -c keyctl -n "__fish_keyctl_using_subcommand org; and __fish_seen_subcommand_from help" -f -a "use" -d 'Make ORG the default for later commands (saved in the config file)'
complete -c keyctl -n "__fish_keyctl_using_subcommand org; and __fish_seen_subcommand_from help" -f -a "delete" -d 'Delete an organization and everything in it (asks for confirmation)'
complete -c keyctl -n "__fish_keyctl_using_subcommand org; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keyctl -n "__fish_keyctl_using_subcommand project; and not __fish_seen_subcommand_from create list show rename archive unarchive delete limits help" -l store -d 'The store: a file, or a postgres:// URL (password from PGPASSWORD or ~/.pgpass) [default: <data dir>/keyctl/keyctl.db]' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand project; and not __fish_seen_subcommand_from create list show rename archive unarchive delete limits help" -l org -d 'The organization to work in (id or name) [default: config, else the only org]' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand project; and not __fish_seen_subcommand_from create list show rename archive unarchive delete limits help" -s o -l output -d 'Output format' -r -f -a "table\t'Columns that fit a 100-column terminal, names rather than ids'
wide\t'Every column, with ids and full times'
json\t'One JSON document (lists are arrays)'
csv\t'A header of JSON field names, then one row per object'"
complete -c keyctl -n "__fish_keyctl_using_subcommand project; and not __fish_seen_subcommand_from create list show rename archive unarchive delete limits help" -s q -l quiet -d 'Print only the essential value (e.g. the new key)'
complete -c keyctl -n "__fish_keyctl_using_subcommand project; and not __fish_seen_subcommand_from create list show rename archive unarchive delete limits help" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c keyctl -n "__fish_keyctl_using_subcommand project; and not __fish_seen_subcommand_from create list show rename archive unarchive delete limits help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyctl -n "__fish_keyctl_using_subcommand project; and not __fish_seen_subcommand_from create list show rename archive unarchive delete limits help" -s V -l version -d 'Print version'
complete -c keyctl -n "__fish_keyctl_using_subcommand project; and not __fish_seen_subcommand_from create list show rename archive unarchive delete limits help" -f -a "create" -d 'Create a project in the current organization'
complete -c keyctl -n "__fish_keyctl_using_subcommand project; and not __fish_seen_subcommand_from create list show rename archive unarchive delete limits help" -f -a "list" -d 'List active projects (all with --all)'
complete -c keyctl -n "__fish_keyctl_using_subcommand project; and not __fish_seen_subcommand_from create list show rename archive unarchive delete limits help" -f -a "show" -d 'Show a project'
complete -c keyctl -n "__fish_keyctl_using_subcommand project; and not __fish_seen_subcommand_from create list show rename archive unarchive delete limits help" -f -a "rename" -d 'Rename a project (the default project too)'
complete -c keyctl -n "__fish_keyctl_using_subcommand project; and not __fish_seen_subcommand_from create list show rename archive unarchive delete limits help" -f -a "archive" -d 'Archive a project: its keys stop verifying (PROJECT_ARCHIVED) until unarchived'
complete -c keyctl -n "__fish_keyctl_using_subcommand project; and not __fish_seen_subcommand_from create list show rename archive unarchive delete limits help" -f -a "unarchive" -d 'Unarchive a project: its keys work again'
complete -c keyctl -n "__fish_keyctl_using_subcommand project; and not __fish_seen_subcommand_from create list show rename archive unarchive delete limits help" -f -a "delete" -d 'Delete a project and revoke its keys (asks for confirmation)'
complete -c keyctl -n "__fish_keyctl_using_subcommand project; and not __fish_seen_subcommand_from create list show rename archive unarchive delete limits help" -f -a "limits" -d 'Show or set a project\'s limits (0 removes one limit, --clear all)'
complete -c keyctl -n "__fish_keyctl_using_subcommand project; and not __fish_seen_subcommand_from create list show rename archive unarchive delete limits help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keyctl -n "__fish_keyctl_using_subcommand project; and __fish_seen_subcommand_from create" -l description -d 'What the project is for' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand project; and __fish_seen_subcommand_from create" -l store -d 'The store: a file, or a postgres:// URL (password from PGPASSWORD or ~/.pgpass) [default: <data dir>/keyctl/keyctl.db]' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand project; and __fish_seen_subcommand_from create" -l org -d 'The organization to work in (id or name) [default: config, else the only org]' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand project; and __fish_seen_subcommand_from create" -s o -l output -d 'Output format' -r -f -a "table\t'Columns that fit a 100-column terminal, names rather than ids'
wide\t'Every column, with ids and full times'
json\t'One JSON document (lists are arrays)'
csv\t'A header of JSON field names, then one row per object'"
complete -c keyctl -n "__fish_keyctl_using_subcommand project; and __fish_seen_subcommand_from create" -s q -l quiet -d 'Print only the essential value (e.g. the new key)'
complete -c keyctl -n "__fish_keyctl_using_subcommand project; and __fish_seen_subcommand_from create" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c keyctl -n "__fish_keyctl_using_subcommand project; and __fish_seen_subcommand_from create" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyctl -n "__fish_keyctl_using_subcommand project; and __fish_seen_subcommand_from create" -s V -l version -d 'Print version'
complete -c keyctl -n "__fish_keyctl_using_subcommand project; and __fish_seen_subcommand_from list" -l store -d 'The store: a file, or a postgres:// URL (password from PGPASSWORD or ~/.pgpass) [default: <data dir>/keyctl/keyctl.db]' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand project; and __fish_seen_subcommand_from list" -l org -d 'The organization to work in (id or name) [default: config, else the only org]' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand project; and __fish_seen_subcommand_from list" -s o -l output -d 'Output format' -r -f -a "table\t'Columns that fit a 100-column terminal, names rather than ids'
wide\t'Every column, with ids and full times'
json\t'One JSON document (lists are arrays)'
csv\t'A header of JSON field names, then one row per object'"
complete -c keyctl -n "__fish_keyctl_using_subcommand project; and __fish_seen_subcommand_from list" -l all -d 'Include archived projects'
complete -c keyctl -n "__fish_keyctl_using_subcommand project; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print only the essential value (e.g. the new key)'
complete -c keyctl -n "__fish_keyctl_using_subcommand project; and __fish_seen_subcommand_from list" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c keyctl -n "__fish_keyctl_using_subcommand project; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyctl -n "__fish_keyctl_using_subcommand project; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c keyctl -n "__fish_keyctl_using_subcommand project; and __fish_seen_subcommand_from show" -l store -d 'The store: a file, or a postgres:// URL (password from PGPASSWORD or ~/.pgpass) [default: <data dir>/keyctl/keyctl.db]' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand project; and __fish_seen_subcommand_from show" -l org -d 'The organization to work in (id or name) [default: config, else the only org]' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand project; and __fish_seen_subcommand_from show" -s o -l output -d 'Output format' -r -f -a "table\t'Columns that fit a 100-column terminal, names rather than ids'
wide\t'Every column, with ids and full times'
json\t'One JSON document (lists are arrays)'
csv\t'A header of JSON field names, then one row per object'"
complete -c keyctl -n "__fish_keyctl_using_subcommand project; and __fish_seen_subcommand_from show" -s q -l quiet -d 'Print only the essential value (e.g. the new key)'
complete -c keyctl -n "__fish_keyctl_using_subcommand project; and __fish_seen_subcommand_from show" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c keyctl -n "__fish_keyctl_using_subcommand project; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyctl -n "__fish_keyctl_using_subcommand project; and __fish_seen_subcommand_from show" -s V -l version -d 'Print version'
complete -c keyctl -n "__fish_keyctl_using_subcommand project; and __fish_seen_subcommand_from rename" -l store -d 'The store: a file, or a postgres:// URL (password from PGPASSWORD or ~/.pgpass) [default: <data dir>/keyctl/keyctl.db]' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand project; and __fish_seen_subcommand_from rename" -l org -d 'The organization to work in (id or name) [default: config, else the only org]' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand project; and __fish_seen_subcommand_from rename" -s o -l output -d 'Output format' -r -f -a "table\t'Columns that fit a 100-column terminal, names rather than ids'
wide\t'Every column, with ids and full times'
json\t'One JSON document (lists are arrays)'
csv\t'A header of JSON field names, then one row per object'"
complete -c keyctl -n "__fish_keyctl_using_subcommand project; and __fish_seen_subcommand_from rename" -s q -l quiet -d 'Print only the essential value (e.g. the new key)'
complete -c keyctl -n "__fish_keyctl_using_subcommand project; and __fish_seen_subcommand_from rename" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c keyctl -n "__fish_keyctl_using_subcommand project; and __fish_seen_subcommand_from rename" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyctl -n "__fish_keyctl_using_subcommand project; and __fish_seen_subcommand_from rename" -s V -l version -d 'Print version'
complete -c keyctl -n "__fish_keyctl_using_subcommand project; and __fish_seen_subcommand_from archive" -l store -d 'The store: a file, or a postgres:// URL (password from PGPASSWORD or ~/.pgpass) [default: <data dir>/keyctl/keyctl.db]' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand project; and __fish_seen_subcommand_from archive" -l org -d 'The organization to work in (id or name) [default: config, else the only org]' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand project; and __fish_seen_subcommand_from archive" -s o -l output -d 'Output format' -r -f -a "table\t'Columns that fit a 100-column terminal, names rather than ids'
wide\t'Every column, with ids and full times'
json\t'One JSON document (lists are arrays)'
csv\t'A header of JSON field names, then one row per object'"
complete -c keyctl -n "__fish_keyctl_using_subcommand project; and __fish_seen_subcommand_from archive" -s q -l quiet -d 'Print only the essential value (e.g. the new key)'
complete -c keyctl -n "__fish_keyctl_using_subcommand project; and __fish_seen_subcommand_from archive" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c keyctl -n "__fish_keyctl_using_subcommand project; and __fish_seen_subcommand_from archive" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyctl -n "__fish_keyctl_using_subcommand project; and __fish_seen_subcommand_from archive" -s V -l version -d 'Print version'
complete -c keyctl -n "__fish_keyctl_using_subcommand project; and __fish_seen_subcommand_from unarchive" -l store -d 'The store: a file, or a postgres:// URL (password from PGPASSWORD or ~/.pgpass) [default: <data dir>/keyctl/keyctl.db]' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand project; and __fish_seen_subcommand_from unarchive" -l org -d 'The organization to work in (id or name) [default: config, else the only org]' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand project; and __fish_seen_subcommand_from unarchive" -s o -l output -d 'Output format' -r -f -a "table\t'Columns that fit a 100-column terminal, names rather than ids'
wide\t'Every column, with ids and full times'
json\t'One JSON document (lists are arrays)'
csv\t'A header of JSON field names, then one row per object'"
complete -c keyctl -n "__fish_keyctl_using_subcommand project; and __fish_seen_subcommand_from unarchive" -s q -l quiet -d 'Print only the essential value (e.g. the new key)'
complete -c keyctl -n "__fish_keyctl_using_subcommand project; and __fish_seen_subcommand_from unarchive" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c keyctl -n "__fish_keyctl_using_subcommand project; and __fish_seen_subcommand_from unarchive" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyctl -n "__fish_keyctl_using_subcommand project; and __fish_seen_subcommand_from unarchive" -s V -l version -d 'Print version'
complete -c keyctl -n "__fish_keyctl_using_subcommand project; and __fish_seen_subcommand_from delete" -l store -d 'The store: a file, or a postgres:// URL (password from PGPASSWORD or ~/.pgpass) [default: <data dir>/keyctl/keyctl.db]' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand project; and __fish_seen_subcommand_from delete" -l org -d 'The organization to work in (id or name) [default: config, else the only org]' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand project; and __fish_seen_subcommand_from delete" -s o -l output -d 'Output format' -r -f -a "table\t'Columns that fit a 100-column terminal, names rather than ids'
wide\t'Every column, with ids and full times'
json\t'One JSON document (lists are arrays)'
csv\t'A header of JSON field names, then one row per object'"
complete -c keyctl -n "__fish_keyctl_using_subcommand project; and __fish_seen_subcommand_from delete" -s q -l quiet -d 'Print only the essential value (e.g. the new key)'
complete -c keyctl -n "__fish_keyctl_using_subcommand project; and __fish_seen_subcommand_from delete" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c keyctl -n "__fish_keyctl_using_subcommand project; and __fish_seen_subcommand_from delete" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyctl -n "__fish_keyctl_using_subcommand project; and __fish_seen_subcommand_from delete" -s V -l version -d 'Print version'
complete -c keyctl -n "__fish_keyctl_using_subcommand project; and __fish_seen_subcommand_from limits" -l rpm -d 'Valid verifies per minute over all the project\'s keys' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand project; and __fish_seen_subcommand_from limits" -l rpd -d 'Valid verifies per UTC day over all the project\'s keys' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand project; and __fish_seen_subcommand_from limits" -l monthly-budget -d 'Cost allowed per calendar month (UTC), a decimal like 250.00' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand project; and __fish_seen_subcommand_from limits" -l max-ttl -d 'Longest lifetime of new keys; longer --ttl is refused, no --ttl gets this' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand project; and __fish_seen_subcommand_from limits" -l store -d 'The store: a file, or a postgres:// URL (password from PGPASSWORD or ~/.pgpass) [default: <data dir>/keyctl/keyctl.db]' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand project; and __fish_seen_subcommand_from limits" -l org -d 'The organization to work in (id or name) [default: config, else the only org]' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand project; and __fish_seen_subcommand_from limits" -s o -l output -d 'Output format' -r -f -a "table\t'Columns that fit a 100-column terminal, names rather than ids'
wide\t'Every column, with ids and full times'
json\t'One JSON document (lists are arrays)'
csv\t'A header of JSON field names, then one row per object'"
complete -c keyctl -n "__fish_keyctl_using_subcommand project; and __fish_seen_subcommand_from limits" -l clear -d 'Remove every limit (before applying the others given)'
complete -c keyctl -n "__fish_keyctl_using_subcommand project; and __fish_seen_subcommand_from limits" -s q -l quiet -d 'Print only the essential value (e.g. the new key)'
complete -c keyctl -n "__fish_keyctl_using_subcommand project; and __fish_seen_subcommand_from limits" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c keyctl -n "__fish_keyctl_using_subcommand project; and __fish_seen_subcommand_from limits" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyctl -n "__fish_keyctl_using_subcommand project; and __fish_seen_subcommand_from limits" -s V -l version -d 'Print version'
complete -c keyctl -n "__fish_keyctl_using_subcommand project; and __fish_seen_subcommand_from help" -f -a "create" -d 'Create a project in the current organization'
complete -c keyctl -n "__fish_keyctl_using_subcommand project; and __fish_seen_subcommand_from help" -f -a "list" -d 'List active projects (all with --all)'
complete -c keyctl -n "__fish_keyctl_using_subcommand project; and __fish_seen_subcommand_from help" -f -a "show" -d 'Show a project'
complete -c keyctl -n "__fish_keyctl_using_subcommand project; and __fish_seen_subcommand_from help" -f -a "rename" -d 'Rename a project (the default project too)'
complete -c keyctl -n "__fish_keyctl_using_subcommand project; and __fish_seen_subcommand_from help" -f -a "archive" -d 'Archive a project: its keys stop verifying (PROJECT_ARCHIVED) until unarchived'
complete -c keyctl -n "__fish_keyctl_using_subcommand project; and __fish_seen_subcommand_from help" -f -a "unarchive" -d 'Unarchive a project: its keys work again'
complete -c keyctl -n "__fish_keyctl_using_subcommand project; and __fish_seen_subcommand_from help" -f -a "delete" -d 'Delete a project and revoke its keys (asks for confirmation)'
complete -c keyctl -n "__fish_keyctl_using_subcommand project; and __fish_seen_subcommand_from help" -f -a "limits" -d 'Show or set a project\'s limits (0 removes one limit, --clear all)'
complete -c keyctl -n "__fish_keyctl_using_subcommand project; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keyctl -n "__fish_keyctl_using_subcommand member; and not __fish_seen_subcommand_from add list show set-role remove help" -l store -d 'The store: a file, or a postgres:// URL (password from PGPASSWORD or ~/.pgpass) [default: <data dir>/keyctl/keyctl.db]' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand member; and not __fish_seen_subcommand_from add list show set-role remove help" -l org -d 'The organization to work in (id or name) [default: config, else the only org]' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand member; and not __fish_seen_subcommand_from add list show set-role remove help" -s o -l output -d 'Output format' -r -f -a "table\t'Columns that fit a 100-column terminal, names rather than ids'
wide\t'Every column, with ids and full times'
json\t'One JSON document (lists are arrays)'
csv\t'A header of JSON field names, then one row per object'"
complete -c keyctl -n "__fish_keyctl_using_subcommand member; and not __fish_seen_subcommand_from add list show set-role remove help" -s q -l quiet -d 'Print only the essential value (e.g. the new key)'
complete -c keyctl -n "__fish_keyctl_using_subcommand member; and not __fish_seen_subcommand_from add list show set-role remove help" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c keyctl -n "__fish_keyctl_using_subcommand member; and not __fish_seen_subcommand_from add list show set-role remove help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyctl -n "__fish_keyctl_using_subcommand member; and not __fish_seen_subcommand_from add list show set-role remove help" -s V -l version -d 'Print version'
complete -c keyctl -n "__fish_keyctl_using_subcommand member; and not __fish_seen_subcommand_from add list show set-role remove help" -f -a "add" -d 'Add a member (org-wide role with --role; a project role with --project and --role)'
complete -c keyctl -n "__fish_keyctl_using_subcommand member; and not __fish_seen_subcommand_from add list show set-role remove help" -f -a "list" -d 'List members (with --project: those with a role there)'
complete -c keyctl -n "__fish_keyctl_using_subcommand member; and not __fish_seen_subcommand_from add list show set-role remove help" -f -a "show" -d 'Show one member'
complete -c keyctl -n "__fish_keyctl_using_subcommand member; and not __fish_seen_subcommand_from add list show set-role remove help" -f -a "set-role" -d 'Change a member\'s org-wide role, or its role in one project'
complete -c keyctl -n "__fish_keyctl_using_subcommand member; and not __fish_seen_subcommand_from add list show set-role remove help" -f -a "remove" -d 'Remove a member from the org (revokes their keys) or from one project'
complete -c keyctl -n "__fish_keyctl_using_subcommand member; and not __fish_seen_subcommand_from add list show set-role remove help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keyctl -n "__fish_keyctl_using_subcommand member; and __fish_seen_subcommand_from add" -l name -d 'The member\'s display name' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand member; and __fish_seen_subcommand_from add" -l role -d 'all, restricted or readonly' -r -f -a "all\t''
restricted\t''
readonly\t''"
complete -c keyctl -n "__fish_keyctl_using_subcommand member; and __fish_seen_subcommand_from add" -l project -d 'Give the role in this project only' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand member; and __fish_seen_subcommand_from add" -l store -d 'The store: a file, or a postgres:// URL (password from PGPASSWORD or ~/.pgpass) [default: <data dir>/keyctl/keyctl.db]' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand member; and __fish_seen_subcommand_from add" -l org -d 'The organization to work in (id or name) [default: config, else the only org]' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand member; and __fish_seen_subcommand_from add" -s o -l output -d 'Output format' -r -f -a "table\t'Columns that fit a 100-column terminal, names rather than ids'
wide\t'Every column, with ids and full times'
json\t'One JSON document (lists are arrays)'
csv\t'A header of JSON field names, then one row per object'"
complete -c keyctl -n "__fish_keyctl_using_subcommand member; and __fish_seen_subcommand_from add" -s q -l quiet -d 'Print only the essential value (e.g. the new key)'
complete -c keyctl -n "__fish_keyctl_using_subcommand member; and __fish_seen_subcommand_from add" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c keyctl -n "__fish_keyctl_using_subcommand member; and __fish_seen_subcommand_from add" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyctl -n "__fish_keyctl_using_subcommand member; and __fish_seen_subcommand_from add" -s V -l version -d 'Print version'
complete -c keyctl -n "__fish_keyctl_using_subcommand member; and __fish_seen_subcommand_from list" -l project -d 'Project id or name' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand member; and __fish_seen_subcommand_from list" -l store -d 'The store: a file, or a postgres:// URL (password from PGPASSWORD or ~/.pgpass) [default: <data dir>/keyctl/keyctl.db]' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand member; and __fish_seen_subcommand_from list" -l org -d 'The organization to work in (id or name) [default: config, else the only org]' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand member; and __fish_seen_subcommand_from list" -s o -l output -d 'Output format' -r -f -a "table\t'Columns that fit a 100-column terminal, names rather than ids'
wide\t'Every column, with ids and full times'
json\t'One JSON document (lists are arrays)'
csv\t'A header of JSON field names, then one row per object'"
complete -c keyctl -n "__fish_keyctl_using_subcommand member; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print only the essential value (e.g. the new key)'
complete -c keyctl -n "__fish_keyctl_using_subcommand member; and __fish_seen_subcommand_from list" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c keyctl -n "__fish_keyctl_using_subcommand member; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyctl -n "__fish_keyctl_using_subcommand member; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c keyctl -n "__fish_keyctl_using_subcommand member; and __fish_seen_subcommand_from show" -l store -d 'The store: a file, or a postgres:// URL (password from PGPASSWORD or ~/.pgpass) [default: <data dir>/keyctl/keyctl.db]' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand member; and __fish_seen_subcommand_from show" -l org -d 'The organization to work in (id or name) [default: config, else the only org]' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand member; and __fish_seen_subcommand_from show" -s o -l output -d 'Output format' -r -f -a "table\t'Columns that fit a 100-column terminal, names rather than ids'
wide\t'Every column, with ids and full times'
json\t'One JSON document (lists are arrays)'
csv\t'A header of JSON field names, then one row per object'"
complete -c keyctl -n "__fish_keyctl_using_subcommand member; and __fish_seen_subcommand_from show" -s q -l quiet -d 'Print only the essential value (e.g. the new key)'
complete -c keyctl -n "__fish_keyctl_using_subcommand member; and __fish_seen_subcommand_from show" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c keyctl -n "__fish_keyctl_using_subcommand member; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyctl -n "__fish_keyctl_using_subcommand member; and __fish_seen_subcommand_from show" -s V -l version -d 'Print version'
complete -c keyctl -n "__fish_keyctl_using_subcommand member; and __fish_seen_subcommand_from set-role" -l project -d 'Project id or name' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand member; and __fish_seen_subcommand_from set-role" -l store -d 'The store: a file, or a postgres:// URL (password from PGPASSWORD or ~/.pgpass) [default: <data dir>/keyctl/keyctl.db]' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand member; and __fish_seen_subcommand_from set-role" -l org -d 'The organization to work in (id or name) [default: config, else the only org]' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand member; and __fish_seen_subcommand_from set-role" -s o -l output -d 'Output format' -r -f -a "table\t'Columns that fit a 100-column terminal, names rather than ids'
wide\t'Every column, with ids and full times'
json\t'One JSON document (lists are arrays)'
csv\t'A header of JSON field names, then one row per object'"
complete -c keyctl -n "__fish_keyctl_using_subcommand member; and __fish_seen_subcommand_from set-role" -s q -l quiet -d 'Print only the essential value (e.g. the new key)'
complete -c keyctl -n "__fish_keyctl_using_subcommand member; and __fish_seen_subcommand_from set-role" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c keyctl -n "__fish_keyctl_using_subcommand member; and __fish_seen_subcommand_from set-role" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyctl -n "__fish_keyctl_using_subcommand member; and __fish_seen_subcommand_from set-role" -s V -l version -d 'Print version'
complete -c keyctl -n "__fish_keyctl_using_subcommand member; and __fish_seen_subcommand_from remove" -l project -d 'Project id or name' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand member; and __fish_seen_subcommand_from remove" -l store -d 'The store: a file, or a postgres:// URL (password from PGPASSWORD or ~/.pgpass) [default: <data dir>/keyctl/keyctl.db]' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand member; and __fish_seen_subcommand_from remove" -l org -d 'The organization to work in (id or name) [default: config, else the only org]' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand member; and __fish_seen_subcommand_from remove" -s o -l output -d 'Output format' -r -f -a "table\t'Columns that fit a 100-column terminal, names rather than ids'
wide\t'Every column, with ids and full times'
json\t'One JSON document (lists are arrays)'
csv\t'A header of JSON field names, then one row per object'"
complete -c keyctl -n "__fish_keyctl_using_subcommand member; and __fish_seen_subcommand_from remove" -s q -l quiet -d 'Print only the essential value (e.g. the new key)'
complete -c keyctl -n "__fish_keyctl_using_subcommand member; and __fish_seen_subcommand_from remove" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c keyctl -n "__fish_keyctl_using_subcommand member; and __fish_seen_subcommand_from remove" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyctl -n "__fish_keyctl_using_subcommand member; and __fish_seen_subcommand_from remove" -s V -l version -d 'Print version'
complete -c keyctl -n "__fish_keyctl_using_subcommand member; and __fish_seen_subcommand_from help" -f -a "add" -d 'Add a member (org-wide role with --role; a project role with --project and --role)'
complete -c keyctl -n "__fish_keyctl_using_subcommand member; and __fish_seen_subcommand_from help" -f -a "list" -d 'List members (with --project: those with a role there)'
complete -c keyctl -n "__fish_keyctl_using_subcommand member; and __fish_seen_subcommand_from help" -f -a "show" -d 'Show one member'
complete -c keyctl -n "__fish_keyctl_using_subcommand member; and __fish_seen_subcommand_from help" -f -a "set-role" -d 'Change a member\'s org-wide role, or its role in one project'
complete -c keyctl -n "__fish_keyctl_using_subcommand member; and __fish_seen_subcommand_from help" -f -a "remove" -d 'Remove a member from the org (revokes their keys) or from one project'
complete -c keyctl -n "__fish_keyctl_using_subcommand member; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keyctl -n "__fish_keyctl_using_subcommand service-account; and not __fish_seen_subcommand_from create list show delete help" -l store -d 'The store: a file, or a postgres:// URL (password from PGPASSWORD or ~/.pgpass) [default: <data dir>/keyctl/keyctl.db]' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand service-account; and not __fish_seen_subcommand_from create list show delete help" -l org -d 'The organization to work in (id or name) [default: config, else the only org]' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand service-account; and not __fish_seen_subcommand_from create list show delete help" -s o -l output -d 'Output format' -r -f -a "table\t'Columns that fit a 100-column terminal, names rather than ids'
wide\t'Every column, with ids and full times'
json\t'One JSON document (lists are arrays)'
csv\t'A header of JSON field names, then one row per object'"
complete -c keyctl -n "__fish_keyctl_using_subcommand service-account; and not __fish_seen_subcommand_from create list show delete help" -s q -l quiet -d 'Print only the essential value (e.g. the new key)'
complete -c keyctl -n "__fish_keyctl_using_subcommand service-account; and not __fish_seen_subcommand_from create list show delete help" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c keyctl -n "__fish_keyctl_using_subcommand service-account; and not __fish_seen_subcommand_from create list show delete help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyctl -n "__fish_keyctl_using_subcommand service-account; and not __fish_seen_subcommand_from create list show delete help" -s V -l version -d 'Print version'
complete -c keyctl -n "__fish_keyctl_using_subcommand service-account; and not __fish_seen_subcommand_from create list show delete help" -f -a "create" -d 'Create a service account and print its first key (once)'
complete -c keyctl -n "__fish_keyctl_using_subcommand service-account; and not __fish_seen_subcommand_from create list show delete help" -f -a "list" -d 'List service accounts (in one project with --project)'
complete -c keyctl -n "__fish_keyctl_using_subcommand service-account; and not __fish_seen_subcommand_from create list show delete help" -f -a "show" -d 'Show a service account'
complete -c keyctl -n "__fish_keyctl_using_subcommand service-account; and not __fish_seen_subcommand_from create list show delete help" -f -a "delete" -d 'Delete a service account and revoke its keys'
complete -c keyctl -n "__fish_keyctl_using_subcommand service-account; and not __fish_seen_subcommand_from create list show delete help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keyctl -n "__fish_keyctl_using_subcommand service-account; and __fish_seen_subcommand_from create" -l project -d 'Project id or name' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand service-account; and __fish_seen_subcommand_from create" -l role -d 'all, restricted or readonly' -r -f -a "all\t''
restricted\t''
readonly\t''"
complete -c keyctl -n "__fish_keyctl_using_subcommand service-account; and __fish_seen_subcommand_from create" -l ttl -d 'Lifetime of the first key' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand service-account; and __fish_seen_subcommand_from create" -l store -d 'The store: a file, or a postgres:// URL (password from PGPASSWORD or ~/.pgpass) [default: <data dir>/keyctl/keyctl.db]' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand service-account; and __fish_seen_subcommand_from create" -l org -d 'The organization to work in (id or name) [default: config, else the only org]' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand service-account; and __fish_seen_subcommand_from create" -s o -l output -d 'Output format' -r -f -a "table\t'Columns that fit a 100-column terminal, names rather than ids'
wide\t'Every column, with ids and full times'
json\t'One JSON document (lists are arrays)'
csv\t'A header of JSON field names, then one row per object'"
complete -c keyctl -n "__fish_keyctl_using_subcommand service-account; and __fish_seen_subcommand_from create" -s q -l quiet -d 'Print only the essential value (e.g. the new key)'
complete -c keyctl -n "__fish_keyctl_using_subcommand service-account; and __fish_seen_subcommand_from create" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c keyctl -n "__fish_keyctl_using_subcommand service-account; and __fish_seen_subcommand_from create" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyctl -n "__fish_keyctl_using_subcommand service-account; and __fish_seen_subcommand_from create" -s V -l version -d 'Print version'
complete -c keyctl -n "__fish_keyctl_using_subcommand service-account; and __fish_seen_subcommand_from list" -l project -d 'Project id or name' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand service-account; and __fish_seen_subcommand_from list" -l store -d 'The store: a file, or a postgres:// URL (password from PGPASSWORD or ~/.pgpass) [default: <data dir>/keyctl/keyctl.db]' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand service-account; and __fish_seen_subcommand_from list" -l org -d 'The organization to work in (id or name) [default: config, else the only org]' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand service-account; and __fish_seen_subcommand_from list" -s o -l output -d 'Output format' -r -f -a "table\t'Columns that fit a 100-column terminal, names rather than ids'
wide\t'Every column, with ids and full times'
json\t'One JSON document (lists are arrays)'
csv\t'A header of JSON field names, then one row per object'"
complete -c keyctl -n "__fish_keyctl_using_subcommand service-account; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print only the essential value (e.g. the new key)'
complete -c keyctl -n "__fish_keyctl_using_subcommand service-account; and __fish_seen_subcommand_from list" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c keyctl -n "__fish_keyctl_using_subcommand service-account; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyctl -n "__fish_keyctl_using_subcommand service-account; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c keyctl -n "__fish_keyctl_using_subcommand service-account; and __fish_seen_subcommand_from show" -l project -d 'Project id or name' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand service-account; and __fish_seen_subcommand_from show" -l store -d 'The store: a file, or a postgres:// URL (password from PGPASSWORD or ~/.pgpass) [default: <data dir>/keyctl/keyctl.db]' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand service-account; and __fish_seen_subcommand_from show" -l org -d 'The organization to work in (id or name) [default: config, else the only org]' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand service-account; and __fish_seen_subcommand_from show" -s o -l output -d 'Output format' -r -f -a "table\t'Columns that fit a 100-column terminal, names rather than ids'
wide\t'Every column, with ids and full times'
json\t'One JSON document (lists are arrays)'
csv\t'A header of JSON field names, then one row per object'"
complete -c keyctl -n "__fish_keyctl_using_subcommand service-account; and __fish_seen_subcommand_from show" -s q -l quiet -d 'Print only the essential value (e.g. the new key)'
complete -c keyctl -n "__fish_keyctl_using_subcommand service-account; and __fish_seen_subcommand_from show" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c keyctl -n "__fish_keyctl_using_subcommand service-account; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyctl -n "__fish_keyctl_using_subcommand service-account; and __fish_seen_subcommand_from show" -s V -l version -d 'Print version'
complete -c keyctl -n "__fish_keyctl_using_subcommand service-account; and __fish_seen_subcommand_from delete" -l project -d 'Project id or name' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand service-account; and __fish_seen_subcommand_from delete" -l store -d 'The store: a file, or a postgres:// URL (password from PGPASSWORD or ~/.pgpass) [default: <data dir>/keyctl/keyctl.db]' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand service-account; and __fish_seen_subcommand_from delete" -l org -d 'The organization to work in (id or name) [default: config, else the only org]' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand service-account; and __fish_seen_subcommand_from delete" -s o -l output -d 'Output format' -r -f -a "table\t'Columns that fit a 100-column terminal, names rather than ids'
wide\t'Every column, with ids and full times'
json\t'One JSON document (lists are arrays)'
csv\t'A header of JSON field names, then one row per object'"
complete -c keyctl -n "__fish_keyctl_using_subcommand service-account; and __fish_seen_subcommand_from delete" -s q -l quiet -d 'Print only the essential value (e.g. the new key)'
complete -c keyctl -n "__fish_keyctl_using_subcommand service-account; and __fish_seen_subcommand_from delete" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c keyctl -n "__fish_keyctl_using_subcommand service-account; and __fish_seen_subcommand_from delete" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyctl -n "__fish_keyctl_using_subcommand service-account; and __fish_seen_subcommand_from delete" -s V -l version -d 'Print version'
complete -c keyctl -n "__fish_keyctl_using_subcommand service-account; and __fish_seen_subcommand_from help" -f -a "create" -d 'Create a service account and print its first key (once)'
complete -c keyctl -n "__fish_keyctl_using_subcommand service-account; and __fish_seen_subcommand_from help" -f -a "list" -d 'List service accounts (in one project with --project)'
complete -c keyctl -n "__fish_keyctl_using_subcommand service-account; and __fish_seen_subcommand_from help" -f -a "show" -d 'Show a service account'
complete -c keyctl -n "__fish_keyctl_using_subcommand service-account; and __fish_seen_subcommand_from help" -f -a "delete" -d 'Delete a service account and revoke its keys'
complete -c keyctl -n "__fish_keyctl_using_subcommand service-account; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keyctl -n "__fish_keyctl_using_subcommand sa; and not __fish_seen_subcommand_from create list show delete help" -l store -d 'The store: a file, or a postgres:// URL (password from PGPASSWORD or ~/.pgpass) [default: <data dir>/keyctl/keyctl.db]' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand sa; and not __fish_seen_subcommand_from create list show delete help" -l org -d 'The organization to work in (id or name) [default: config, else the only org]' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand sa; and not __fish_seen_subcommand_from create list show delete help" -s o -l output -d 'Output format' -r -f -a "table\t'Columns that fit a 100-column terminal, names rather than ids'
wide\t'Every column, with ids and full times'
json\t'One JSON document (lists are arrays)'
csv\t'A header of JSON field names, then one row per object'"
complete -c keyctl -n "__fish_keyctl_using_subcommand sa; and not __fish_seen_subcommand_from create list show delete help" -s q -l quiet -d 'Print only the essential value (e.g. the new key)'
complete -c keyctl -n "__fish_keyctl_using_subcommand sa; and not __fish_seen_subcommand_from create list show delete help" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c keyctl -n "__fish_keyctl_using_subcommand sa; and not __fish_seen_subcommand_from create list show delete help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyctl -n "__fish_keyctl_using_subcommand sa; and not __fish_seen_subcommand_from create list show delete help" -s V -l version -d 'Print version'
complete -c keyctl -n "__fish_keyctl_using_subcommand sa; and not __fish_seen_subcommand_from create list show delete help" -f -a "create" -d 'Create a service account and print its first key (once)'
complete -c keyctl -n "__fish_keyctl_using_subcommand sa; and not __fish_seen_subcommand_from create list show delete help" -f -a "list" -d 'List service accounts (in one project with --project)'
complete -c keyctl -n "__fish_keyctl_using_subcommand sa; and not __fish_seen_subcommand_from create list show delete help" -f -a "show" -d 'Show a service account'
complete -c keyctl -n "__fish_keyctl_using_subcommand sa; and not __fish_seen_subcommand_from create list show delete help" -f -a "delete" -d 'Delete a service account and revoke its keys'
complete -c keyctl -n "__fish_keyctl_using_subcommand sa; and not __fish_seen_subcommand_from create list show delete help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keyctl -n "__fish_keyctl_using_subcommand sa; and __fish_seen_subcommand_from create" -l project -d 'Project id or name' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand sa; and __fish_seen_subcommand_from create" -l role -d 'all, restricted or readonly' -r -f -a "all\t''
restricted\t''
readonly\t''"
complete -c keyctl -n "__fish_keyctl_using_subcommand sa; and __fish_seen_subcommand_from create" -l ttl -d 'Lifetime of the first key' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand sa; and __fish_seen_subcommand_from create" -l store -d 'The store: a file, or a postgres:// URL (password from PGPASSWORD or ~/.pgpass) [default: <data dir>/keyctl/keyctl.db]' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand sa; and __fish_seen_subcommand_from create" -l org -d 'The organization to work in (id or name) [default: config, else the only org]' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand sa; and __fish_seen_subcommand_from create" -s o -l output -d 'Output format' -r -f -a "table\t'Columns that fit a 100-column terminal, names rather than ids'
wide\t'Every column, with ids and full times'
json\t'One JSON document (lists are arrays)'
csv\t'A header of JSON field names, then one row per object'"
complete -c keyctl -n "__fish_keyctl_using_subcommand sa; and __fish_seen_subcommand_from create" -s q -l quiet -d 'Print only the essential value (e.g. the new key)'
complete -c keyctl -n "__fish_keyctl_using_subcommand sa; and __fish_seen_subcommand_from create" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c keyctl -n "__fish_keyctl_using_subcommand sa; and __fish_seen_subcommand_from create" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyctl -n "__fish_keyctl_using_subcommand sa; and __fish_seen_subcommand_from create" -s V -l version -d 'Print version'
complete -c keyctl -n "__fish_keyctl_using_subcommand sa; and __fish_seen_subcommand_from list" -l project -d 'Project id or name' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand sa; and __fish_seen_subcommand_from list" -l store -d 'The store: a file, or a postgres:// URL (password from PGPASSWORD or ~/.pgpass) [default: <data dir>/keyctl/keyctl.db]' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand sa; and __fish_seen_subcommand_from list" -l org -d 'The organization to work in (id or name) [default: config, else the only org]' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand sa; and __fish_seen_subcommand_from list" -s o -l output -d 'Output format' -r -f -a "table\t'Columns that fit a 100-column terminal, names rather than ids'
wide\t'Every column, with ids and full times'
json\t'One JSON document (lists are arrays)'
csv\t'A header of JSON field names, then one row per object'"
complete -c keyctl -n "__fish_keyctl_using_subcommand sa; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print only the essential value (e.g. the new key)'
complete -c keyctl -n "__fish_keyctl_using_subcommand sa; and __fish_seen_subcommand_from list" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c keyctl -n "__fish_keyctl_using_subcommand sa; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyctl -n "__fish_keyctl_using_subcommand sa; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c keyctl -n "__fish_keyctl_using_subcommand sa; and __fish_seen_subcommand_from show" -l project -d 'Project id or name' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand sa; and __fish_seen_subcommand_from show" -l store -d 'The store: a file, or a postgres:// URL (password from PGPASSWORD or ~/.pgpass) [default: <data dir>/keyctl/keyctl.db]' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand sa; and __fish_seen_subcommand_from show" -l org -d 'The organization to work in (id or name) [default: config, else the only org]' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand sa; and __fish_seen_subcommand_from show" -s o -l output -d 'Output format' -r -f -a "table\t'Columns that fit a 100-column terminal, names rather than ids'
wide\t'Every column, with ids and full times'
json\t'One JSON document (lists are arrays)'
csv\t'A header of JSON field names, then one row per object'"
complete -c keyctl -n "__fish_keyctl_using_subcommand sa; and __fish_seen_subcommand_from show" -s q -l quiet -d 'Print only the essential value (e.g. the new key)'
complete -c keyctl -n "__fish_keyctl_using_subcommand sa; and __fish_seen_subcommand_from show" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c keyctl -n "__fish_keyctl_using_subcommand sa; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyctl -n "__fish_keyctl_using_subcommand sa; and __fish_seen_subcommand_from show" -s V -l version -d 'Print version'
complete -c keyctl -n "__fish_keyctl_using_subcommand sa; and __fish_seen_subcommand_from delete" -l project -d 'Project id or name' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand sa; and __fish_seen_subcommand_from delete" -l store -d 'The store: a file, or a postgres:// URL (password from PGPASSWORD or ~/.pgpass) [default: <data dir>/keyctl/keyctl.db]' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand sa; and __fish_seen_subcommand_from delete" -l org -d 'The organization to work in (id or name) [default: config, else the only org]' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand sa; and __fish_seen_subcommand_from delete" -s o -l output -d 'Output format' -r -f -a "table\t'Columns that fit a 100-column terminal, names rather than ids'
wide\t'Every column, with ids and full times'
json\t'One JSON document (lists are arrays)'
csv\t'A header of JSON field names, then one row per object'"
complete -c keyctl -n "__fish_keyctl_using_subcommand sa; and __fish_seen_subcommand_from delete" -s q -l quiet -d 'Print only the essential value (e.g. the new key)'
complete -c keyctl -n "__fish_keyctl_using_subcommand sa; and __fish_seen_subcommand_from delete" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c keyctl -n "__fish_keyctl_using_subcommand sa; and __fish_seen_subcommand_from delete" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyctl -n "__fish_keyctl_using_subcommand sa; and __fish_seen_subcommand_from delete" -s V -l version -d 'Print version'
complete -c keyctl -n "__fish_keyctl_using_subcommand sa; and __fish_seen_subcommand_from help" -f -a "create" -d 'Create a service account and print its first key (once)'
complete -c keyctl -n "__fish_keyctl_using_subcommand sa; and __fish_seen_subcommand_from help" -f -a "list" -d 'List service accounts (in one project with --project)'
complete -c keyctl -n "__fish_keyctl_using_subcommand sa; and __fish_seen_subcommand_from help" -f -a "show" -d 'Show a service account'
complete -c keyctl -n "__fish_keyctl_using_subcommand sa; and __fish_seen_subcommand_from help" -f -a "delete" -d 'Delete a service account and revoke its keys'
complete -c keyctl -n "__fish_keyctl_using_subcommand sa; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and not __fish_seen_subcommand_from create list show update disable enable revoke rotate prune verify help" -l store -d 'The store: a file, or a postgres:// URL (password from PGPASSWORD or ~/.pgpass) [default: <data dir>/keyctl/keyctl.db]' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and not __fish_seen_subcommand_from create list show update disable enable revoke rotate prune verify help" -l org -d 'The organization to work in (id or name) [default: config, else the only org]' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and not __fish_seen_subcommand_from create list show update disable enable revoke rotate prune verify help" -s o -l output -d 'Output format' -r -f -a "table\t'Columns that fit a 100-column terminal, names rather than ids'
wide\t'Every column, with ids and full times'
json\t'One JSON document (lists are arrays)'
csv\t'A header of JSON field names, then one row per object'"
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and not __fish_seen_subcommand_from create list show update disable enable revoke rotate prune verify help" -s q -l quiet -d 'Print only the essential value (e.g. the new key)'
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and not __fish_seen_subcommand_from create list show update disable enable revoke rotate prune verify help" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and not __fish_seen_subcommand_from create list show update disable enable revoke rotate prune verify help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and not __fish_seen_subcommand_from create list show update disable enable revoke rotate prune verify help" -s V -l version -d 'Print version'
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and not __fish_seen_subcommand_from create list show update disable enable revoke rotate prune verify help" -f -a "create" -d 'Issue a key; the secret is printed once, on stdout, and never again'
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and not __fish_seen_subcommand_from create list show update disable enable revoke rotate prune verify help" -f -a "list" -d 'List keys (redacted), in the org or one project'
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and not __fish_seen_subcommand_from create list show update disable enable revoke rotate prune verify help" -f -a "show" -d 'Show one key (redacted)'
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and not __fish_seen_subcommand_from create list show update disable enable revoke rotate prune verify help" -f -a "update" -d 'Change a key\'s name, permission, scopes or expiry'
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and not __fish_seen_subcommand_from create list show update disable enable revoke rotate prune verify help" -f -a "disable" -d 'Turn a key off until `key enable`: verify answers DISABLED (it still expires and can be revoked)'
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and not __fish_seen_subcommand_from create list show update disable enable revoke rotate prune verify help" -f -a "enable" -d 'Turn a disabled key back on'
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and not __fish_seen_subcommand_from create list show update disable enable revoke rotate prune verify help" -f -a "revoke" -d 'Revoke a key at once'
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and not __fish_seen_subcommand_from create list show update disable enable revoke rotate prune verify help" -f -a "rotate" -d 'Issue a successor with the same settings; the old key works for --grace, then stops'
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and not __fish_seen_subcommand_from create list show update disable enable revoke rotate prune verify help" -f -a "prune" -d 'Delete revoked and expired keys whose end is older than --older-than'
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and not __fish_seen_subcommand_from create list show update disable enable revoke rotate prune verify help" -f -a "verify" -d 'Check a key (from stdin, or --from-env VAR); exit 0 valid, 10 rejected'
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and not __fish_seen_subcommand_from create list show update disable enable revoke rotate prune verify help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from create" -l project -d 'Project id or name [default: the org\'s default project]' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from create" -l owner -d 'Owner: a member\'s email or id [default: you]' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from create" -l service-account -d 'Owner: a service account\'s name or id (key gets the sk-svcacct- prefix)' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from create" -l permission -d 'all, restricted or readonly [default: all, or restricted with --scope]' -r -f -a "all\t''
restricted\t''
readonly\t''"
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from create" -l scope -d 'RESOURCE:LEVEL for restricted keys (repeatable), e.g. models:read, *:none' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from create" -l ttl -d 'Lifetime, e.g. 15m, 24h, 30d' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from create" -l expires-at -d 'Absolute expiry: RFC 3339 or a date (2026-12-31, midnight UTC)' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from create" -l rpm -d 'Valid verifies per minute for this key (0 removes the limit)' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from create" -l max-uses -d 'Total valid verifies this key allows (0 removes the limit)' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from create" -l allow-ip -d 'Accept the key only from these networks (repeatable; IPv4 or IPv6 CIDR)' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from create" -l refill -d 'Start the --max-uses allowance again each UTC day or month' -r -f -a "daily\t''
monthly\t''"
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from create" -l count -d 'Issue N keys in one transaction (all or none)' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from create" -l meta -d 'Your own metadata, returned by verify (repeatable; on update `NAME=` removes NAME)' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from create" -l external-id -d 'Your own id for whoever the key is for, e.g. a customer or tenant id (on update "" removes it)' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from create" -l store -d 'The store: a file, or a postgres:// URL (password from PGPASSWORD or ~/.pgpass) [default: <data dir>/keyctl/keyctl.db]' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from create" -l org -d 'The organization to work in (id or name) [default: config, else the only org]' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from create" -s o -l output -d 'Output format' -r -f -a "table\t'Columns that fit a 100-column terminal, names rather than ids'
wide\t'Every column, with ids and full times'
json\t'One JSON document (lists are arrays)'
csv\t'A header of JSON field names, then one row per object'"
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from create" -s q -l quiet -d 'Print only the essential value (e.g. the new key)'
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from create" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from create" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from create" -s V -l version -d 'Print version'
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from list" -l project -d 'Project id or name' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from list" -l status -d 'Which keys to list' -r -f -a "active\t''
disabled\t''
rotating\t'Replaced by a rotation, still working until its grace ends'
expired\t''
revoked\t''
all\t''"
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from list" -l expiring-within -d 'Only keys that stop working (expiry or end of a rotation grace) within this long' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from list" -l external-id -d 'Only keys with this external id' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from list" -l store -d 'The store: a file, or a postgres:// URL (password from PGPASSWORD or ~/.pgpass) [default: <data dir>/keyctl/keyctl.db]' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from list" -l org -d 'The organization to work in (id or name) [default: config, else the only org]' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from list" -s o -l output -d 'Output format' -r -f -a "table\t'Columns that fit a 100-column terminal, names rather than ids'
wide\t'Every column, with ids and full times'
json\t'One JSON document (lists are arrays)'
csv\t'A header of JSON field names, then one row per object'"
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print only the essential value (e.g. the new key)'
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from list" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from show" -l store -d 'The store: a file, or a postgres:// URL (password from PGPASSWORD or ~/.pgpass) [default: <data dir>/keyctl/keyctl.db]' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from show" -l org -d 'The organization to work in (id or name) [default: config, else the only org]' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from show" -s o -l output -d 'Output format' -r -f -a "table\t'Columns that fit a 100-column terminal, names rather than ids'
wide\t'Every column, with ids and full times'
json\t'One JSON document (lists are arrays)'
csv\t'A header of JSON field names, then one row per object'"
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from show" -s q -l quiet -d 'Print only the essential value (e.g. the new key)'
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from show" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from show" -s V -l version -d 'Print version'
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from update" -l name -d 'A new name for the key' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from update" -l permission -d 'all, restricted or readonly' -r -f -a "all\t''
restricted\t''
readonly\t''"
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from update" -l scope -d 'Replaces the key\'s scopes (repeatable)' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from update" -l ttl -d 'Lifetime, e.g. 15m, 24h, 30d' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from update" -l expires-at -d 'Absolute expiry: RFC 3339 or a date (2026-12-31, midnight UTC)' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from update" -l rpm -d 'Valid verifies per minute for this key (0 removes the limit)' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from update" -l max-uses -d 'Total valid verifies this key allows (0 removes the limit)' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from update" -l allow-ip -d 'Accept the key only from these networks (repeatable; IPv4 or IPv6 CIDR)' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from update" -l refill -d 'Start the --max-uses allowance again each UTC day or month' -r -f -a "daily\t''
monthly\t''"
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from update" -l meta -d 'Your own metadata, returned by verify (repeatable; on update `NAME=` removes NAME)' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from update" -l external-id -d 'Your own id for whoever the key is for, e.g. a customer or tenant id (on update "" removes it)' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from update" -l store -d 'The store: a file, or a postgres:// URL (password from PGPASSWORD or ~/.pgpass) [default: <data dir>/keyctl/keyctl.db]' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from update" -l org -d 'The organization to work in (id or name) [default: config, else the only org]' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from update" -s o -l output -d 'Output format' -r -f -a "table\t'Columns that fit a 100-column terminal, names rather than ids'
wide\t'Every column, with ids and full times'
json\t'One JSON document (lists are arrays)'
csv\t'A header of JSON field names, then one row per object'"
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from update" -l clear-allow-ip -d 'Remove the key\'s IP allowlist'
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from update" -l clear-meta -d 'Remove every metadata entry (then any --meta applies)'
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from update" -s q -l quiet -d 'Print only the essential value (e.g. the new key)'
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from update" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from update" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from update" -s V -l version -d 'Print version'
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from disable" -l reason -d 'Why (shown with the key, and in the audit log)' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from disable" -l store -d 'The store: a file, or a postgres:// URL (password from PGPASSWORD or ~/.pgpass) [default: <data dir>/keyctl/keyctl.db]' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from disable" -l org -d 'The organization to work in (id or name) [default: config, else the only org]' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from disable" -s o -l output -d 'Output format' -r -f -a "table\t'Columns that fit a 100-column terminal, names rather than ids'
wide\t'Every column, with ids and full times'
json\t'One JSON document (lists are arrays)'
csv\t'A header of JSON field names, then one row per object'"
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from disable" -s q -l quiet -d 'Print only the essential value (e.g. the new key)'
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from disable" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from disable" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from disable" -s V -l version -d 'Print version'
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from enable" -l store -d 'The store: a file, or a postgres:// URL (password from PGPASSWORD or ~/.pgpass) [default: <data dir>/keyctl/keyctl.db]' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from enable" -l org -d 'The organization to work in (id or name) [default: config, else the only org]' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from enable" -s o -l output -d 'Output format' -r -f -a "table\t'Columns that fit a 100-column terminal, names rather than ids'
wide\t'Every column, with ids and full times'
json\t'One JSON document (lists are arrays)'
csv\t'A header of JSON field names, then one row per object'"
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from enable" -s q -l quiet -d 'Print only the essential value (e.g. the new key)'
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from enable" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from enable" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from enable" -s V -l version -d 'Print version'
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from revoke" -l reason -d 'Why (kept with the key and in the audit log; a key pasted here is stored redacted)' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from revoke" -l store -d 'The store: a file, or a postgres:// URL (password from PGPASSWORD or ~/.pgpass) [default: <data dir>/keyctl/keyctl.db]' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from revoke" -l org -d 'The organization to work in (id or name) [default: config, else the only org]' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from revoke" -s o -l output -d 'Output format' -r -f -a "table\t'Columns that fit a 100-column terminal, names rather than ids'
wide\t'Every column, with ids and full times'
json\t'One JSON document (lists are arrays)'
csv\t'A header of JSON field names, then one row per object'"
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from revoke" -l all -d 'Revoke every live key of this name (a rotated key in its grace and its successor)'
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from revoke" -s q -l quiet -d 'Print only the essential value (e.g. the new key)'
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from revoke" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from revoke" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from revoke" -s V -l version -d 'Print version'
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from rotate" -l grace -d 'How long the old key keeps working' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from rotate" -l store -d 'The store: a file, or a postgres:// URL (password from PGPASSWORD or ~/.pgpass) [default: <data dir>/keyctl/keyctl.db]' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from rotate" -l org -d 'The organization to work in (id or name) [default: config, else the only org]' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from rotate" -s o -l output -d 'Output format' -r -f -a "table\t'Columns that fit a 100-column terminal, names rather than ids'
wide\t'Every column, with ids and full times'
json\t'One JSON document (lists are arrays)'
csv\t'A header of JSON field names, then one row per object'"
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from rotate" -s q -l quiet -d 'Print only the essential value (e.g. the new key)'
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from rotate" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from rotate" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from rotate" -s V -l version -d 'Print version'
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from prune" -l older-than -d 'Only keys that ended at least this long ago' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from prune" -l store -d 'The store: a file, or a postgres:// URL (password from PGPASSWORD or ~/.pgpass) [default: <data dir>/keyctl/keyctl.db]' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from prune" -l org -d 'The organization to work in (id or name) [default: config, else the only org]' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from prune" -s o -l output -d 'Output format' -r -f -a "table\t'Columns that fit a 100-column terminal, names rather than ids'
wide\t'Every column, with ids and full times'
json\t'One JSON document (lists are arrays)'
csv\t'A header of JSON field names, then one row per object'"
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from prune" -l dry-run -d 'List what would be removed, and remove nothing'
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from prune" -s q -l quiet -d 'Print only the essential value (e.g. the new key)'
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from prune" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from prune" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from prune" -s V -l version -d 'Print version'
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from verify" -l from-env -d 'Read the key from this environment variable instead of stdin' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from verify" -l require -d 'A scope the key must allow (repeatable)' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from verify" -l client-ip -d 'The caller\'s IP address, checked against the key\'s --allow-ip list' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from verify" -l cost -d 'What this request costs, counted toward the project\'s monthly budget' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from verify" -l store -d 'The store: a file, or a postgres:// URL (password from PGPASSWORD or ~/.pgpass) [default: <data dir>/keyctl/keyctl.db]' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from verify" -l org -d 'The organization to work in (id or name) [default: config, else the only org]' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from verify" -s o -l output -d 'Output format' -r -f -a "table\t'Columns that fit a 100-column terminal, names rather than ids'
wide\t'Every column, with ids and full times'
json\t'One JSON document (lists are arrays)'
csv\t'A header of JSON field names, then one row per object'"
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from verify" -l no-record -d 'Do not count this verify as a use'
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from verify" -l stream -d 'Read one key per line and answer one JSON line each, unlocking once'
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from verify" -s q -l quiet -d 'Print only the essential value (e.g. the new key)'
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from verify" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from verify" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from verify" -s V -l version -d 'Print version'
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from help" -f -a "create" -d 'Issue a key; the secret is printed once, on stdout, and never again'
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from help" -f -a "list" -d 'List keys (redacted), in the org or one project'
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from help" -f -a "show" -d 'Show one key (redacted)'
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from help" -f -a "update" -d 'Change a key\'s name, permission, scopes or expiry'
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from help" -f -a "disable" -d 'Turn a key off until `key enable`: verify answers DISABLED (it still expires and can be revoked)'
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from help" -f -a "enable" -d 'Turn a disabled key back on'
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from help" -f -a "revoke" -d 'Revoke a key at once'
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from help" -f -a "rotate" -d 'Issue a successor with the same settings; the old key works for --grace, then stops'
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from help" -f -a "prune" -d 'Delete revoked and expired keys whose end is older than --older-than'
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from help" -f -a "verify" -d 'Check a key (from stdin, or --from-env VAR); exit 0 valid, 10 rejected'
complete -c keyctl -n "__fish_keyctl_using_subcommand key; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keyctl -n "__fish_keyctl_using_subcommand usage" -l project -d 'Only this project (id or name)' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand usage" -l key -d 'Only this key (id, name, or the secret itself)' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand usage" -l since -d 'Start: RFC 3339, a date (2026-12-01) or a duration ago (7d) [default: the start of this month, UTC]' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand usage" -l until -d 'End: RFC 3339, a date or a duration ago [default: now]' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand usage" -l by -d 'Group the lines by day, key or project' -r -f -a "day\t''
key\t''
project\t''"
complete -c keyctl -n "__fish_keyctl_using_subcommand usage" -l store -d 'The store: a file, or a postgres:// URL (password from PGPASSWORD or ~/.pgpass) [default: <data dir>/keyctl/keyctl.db]' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand usage" -l org -d 'The organization to work in (id or name) [default: config, else the only org]' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand usage" -s o -l output -d 'Output format' -r -f -a "table\t'Columns that fit a 100-column terminal, names rather than ids'
wide\t'Every column, with ids and full times'
json\t'One JSON document (lists are arrays)'
csv\t'A header of JSON field names, then one row per object'"
complete -c keyctl -n "__fish_keyctl_using_subcommand usage" -s q -l quiet -d 'Print only the essential value (e.g. the new key)'
complete -c keyctl -n "__fish_keyctl_using_subcommand usage" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c keyctl -n "__fish_keyctl_using_subcommand usage" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyctl -n "__fish_keyctl_using_subcommand usage" -s V -l version -d 'Print version'
complete -c keyctl -n "__fish_keyctl_using_subcommand audit; and not __fish_seen_subcommand_from list verify help" -l store -d 'The store: a file, or a postgres:// URL (password from PGPASSWORD or ~/.pgpass) [default: <data dir>/keyctl/keyctl.db]' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand audit; and not __fish_seen_subcommand_from list verify help" -l org -d 'The organization to work in (id or name) [default: config, else the only org]' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand audit; and not __fish_seen_subcommand_from list verify help" -s o -l output -d 'Output format' -r -f -a "table\t'Columns that fit a 100-column terminal, names rather than ids'
wide\t'Every column, with ids and full times'
json\t'One JSON document (lists are arrays)'
csv\t'A header of JSON field names, then one row per object'"
complete -c keyctl -n "__fish_keyctl_using_subcommand audit; and not __fish_seen_subcommand_from list verify help" -s q -l quiet -d 'Print only the essential value (e.g. the new key)'
complete -c keyctl -n "__fish_keyctl_using_subcommand audit; and not __fish_seen_subcommand_from list verify help" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c keyctl -n "__fish_keyctl_using_subcommand audit; and not __fish_seen_subcommand_from list verify help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyctl -n "__fish_keyctl_using_subcommand audit; and not __fish_seen_subcommand_from list verify help" -s V -l version -d 'Print version'
complete -c keyctl -n "__fish_keyctl_using_subcommand audit; and not __fish_seen_subcommand_from list verify help" -f -a "list" -d 'List audit entries, oldest first'
complete -c keyctl -n "__fish_keyctl_using_subcommand audit; and not __fish_seen_subcommand_from list verify help" -f -a "verify" -d 'Check the whole chain; exit 4 naming the first bad entry'
complete -c keyctl -n "__fish_keyctl_using_subcommand audit; and not __fish_seen_subcommand_from list verify help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keyctl -n "__fish_keyctl_using_subcommand audit; and __fish_seen_subcommand_from list" -l since -d 'Only entries from then on: RFC 3339, a date (2026-12-01) or a duration ago (1h)' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand audit; and __fish_seen_subcommand_from list" -l action -d 'An action (`key.revoked`) or a group of them (`key`)' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand audit; and __fish_seen_subcommand_from list" -l project -d 'Only entries about this project (id or name)' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand audit; and __fish_seen_subcommand_from list" -l store -d 'The store: a file, or a postgres:// URL (password from PGPASSWORD or ~/.pgpass) [default: <data dir>/keyctl/keyctl.db]' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand audit; and __fish_seen_subcommand_from list" -l org -d 'The organization to work in (id or name) [default: config, else the only org]' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand audit; and __fish_seen_subcommand_from list" -s o -l output -d 'Output format' -r -f -a "table\t'Columns that fit a 100-column terminal, names rather than ids'
wide\t'Every column, with ids and full times'
json\t'One JSON document (lists are arrays)'
csv\t'A header of JSON field names, then one row per object'"
complete -c keyctl -n "__fish_keyctl_using_subcommand audit; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print only the essential value (e.g. the new key)'
complete -c keyctl -n "__fish_keyctl_using_subcommand audit; and __fish_seen_subcommand_from list" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c keyctl -n "__fish_keyctl_using_subcommand audit; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyctl -n "__fish_keyctl_using_subcommand audit; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c keyctl -n "__fish_keyctl_using_subcommand audit; and __fish_seen_subcommand_from verify" -l store -d 'The store: a file, or a postgres:// URL (password from PGPASSWORD or ~/.pgpass) [default: <data dir>/keyctl/keyctl.db]' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand audit; and __fish_seen_subcommand_from verify" -l org -d 'The organization to work in (id or name) [default: config, else the only org]' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand audit; and __fish_seen_subcommand_from verify" -s o -l output -d 'Output format' -r -f -a "table\t'Columns that fit a 100-column terminal, names rather than ids'
wide\t'Every column, with ids and full times'
json\t'One JSON document (lists are arrays)'
csv\t'A header of JSON field names, then one row per object'"
complete -c keyctl -n "__fish_keyctl_using_subcommand audit; and __fish_seen_subcommand_from verify" -s q -l quiet -d 'Print only the essential value (e.g. the new key)'
complete -c keyctl -n "__fish_keyctl_using_subcommand audit; and __fish_seen_subcommand_from verify" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c keyctl -n "__fish_keyctl_using_subcommand audit; and __fish_seen_subcommand_from verify" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyctl -n "__fish_keyctl_using_subcommand audit; and __fish_seen_subcommand_from verify" -s V -l version -d 'Print version'
complete -c keyctl -n "__fish_keyctl_using_subcommand audit; and __fish_seen_subcommand_from help" -f -a "list" -d 'List audit entries, oldest first'
complete -c keyctl -n "__fish_keyctl_using_subcommand audit; and __fish_seen_subcommand_from help" -f -a "verify" -d 'Check the whole chain; exit 4 naming the first bad entry'
complete -c keyctl -n "__fish_keyctl_using_subcommand audit; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keyctl -n "__fish_keyctl_using_subcommand scan" -l store -d 'The store: a file, or a postgres:// URL (password from PGPASSWORD or ~/.pgpass) [default: <data dir>/keyctl/keyctl.db]' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand scan" -l org -d 'The organization to work in (id or name) [default: config, else the only org]' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand scan" -s o -l output -d 'Output format' -r -f -a "table\t'Columns that fit a 100-column terminal, names rather than ids'
wide\t'Every column, with ids and full times'
json\t'One JSON document (lists are arrays)'
csv\t'A header of JSON field names, then one row per object'"
complete -c keyctl -n "__fish_keyctl_using_subcommand scan" -l revoke -d 'Revoke the live API keys found (asks for confirmation, or --yes)'
complete -c keyctl -n "__fish_keyctl_using_subcommand scan" -s q -l quiet -d 'Print only the essential value (e.g. the new key)'
complete -c keyctl -n "__fish_keyctl_using_subcommand scan" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c keyctl -n "__fish_keyctl_using_subcommand scan" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyctl -n "__fish_keyctl_using_subcommand scan" -s V -l version -d 'Print version'
complete -c keyctl -n "__fish_keyctl_using_subcommand serve" -l listen -d 'The address to listen on (port 0 picks a free one; the startup line says which)' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand serve" -l cache-ttl -d 'How long a final refusal (revoked key, unknown key) is remembered; 0s turns it off. Admissions are never cached' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand serve" -l verifiers -d 'Verifier threads, each with its own store connection' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand serve" -l client-timeout -d 'How long a client may take to send its request headers, and then its body' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand serve" -l store -d 'The store: a file, or a postgres:// URL (password from PGPASSWORD or ~/.pgpass) [default: <data dir>/keyctl/keyctl.db]' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand serve" -l org -d 'The organization to work in (id or name) [default: config, else the only org]' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand serve" -s o -l output -d 'Output format' -r -f -a "table\t'Columns that fit a 100-column terminal, names rather than ids'
wide\t'Every column, with ids and full times'
json\t'One JSON document (lists are arrays)'
csv\t'A header of JSON field names, then one row per object'"
complete -c keyctl -n "__fish_keyctl_using_subcommand serve" -l stop-on-stdin-eof -d 'Also stop (gracefully) when standard input closes: for supervisors and tests that hold a pipe to the server'
complete -c keyctl -n "__fish_keyctl_using_subcommand serve" -s q -l quiet -d 'Print only the essential value (e.g. the new key)'
complete -c keyctl -n "__fish_keyctl_using_subcommand serve" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c keyctl -n "__fish_keyctl_using_subcommand serve" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyctl -n "__fish_keyctl_using_subcommand serve" -s V -l version -d 'Print version'
complete -c keyctl -n "__fish_keyctl_using_subcommand man" -l out-dir -d 'Write keyctl.1 and one page per subcommand (keyctl-key-create.1, ...) here' -r -F
complete -c keyctl -n "__fish_keyctl_using_subcommand man" -l store -d 'The store: a file, or a postgres:// URL (password from PGPASSWORD or ~/.pgpass) [default: <data dir>/keyctl/keyctl.db]' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand man" -l org -d 'The organization to work in (id or name) [default: config, else the only org]' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand man" -s o -l output -d 'Output format' -r -f -a "table\t'Columns that fit a 100-column terminal, names rather than ids'
wide\t'Every column, with ids and full times'
json\t'One JSON document (lists are arrays)'
csv\t'A header of JSON field names, then one row per object'"
complete -c keyctl -n "__fish_keyctl_using_subcommand man" -s q -l quiet -d 'Print only the essential value (e.g. the new key)'
complete -c keyctl -n "__fish_keyctl_using_subcommand man" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c keyctl -n "__fish_keyctl_using_subcommand man" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyctl -n "__fish_keyctl_using_subcommand man" -s V -l version -d 'Print version'
complete -c keyctl -n "__fish_keyctl_using_subcommand completions" -l store -d 'The store: a file, or a postgres:// URL (password from PGPASSWORD or ~/.pgpass) [default: <data dir>/keyctl/keyctl.db]' -r
complete -c keyctl -n "__fish_keyctl_using_subcommand completions" -l org -d 'The organization to work in (id or name) [default: config, else the only org]' -r -f
complete -c keyctl -n "__fish_keyctl_using_subcommand completions" -s o -l output -d 'Output format' -r -f -a "table\t'Columns that fit a 100-column terminal, names rather than ids'
wide\t'Every column, with ids and full times'
json\t'One JSON document (lists are arrays)'
csv\t'A header of JSON field names, then one row per object'"
complete -c keyctl -n "__fish_keyctl_using_subcommand completions" -s q -l quiet -d 'Print only the essential value (e.g. the new key)'
complete -c keyctl -n "__fish_keyctl_using_subcommand completions" -s y -l yes -d 'Confirm destructive actions without asking'
complete -c keyctl -n "__fish_keyctl_using_subcommand completions" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyctl -n "__fish_keyctl_using_subcommand completions" -s V -l version -d 'Print version'
complete -c keyctl -n "__fish_keyctl_using_subcommand help; and not __fish_seen_subcommand_from init unlock lock __agent store org project member service-account key usage audit scan serve man completions help" -f -a "init" -d 'Create a new store with its first organization (named by --org NAME) and default project'
complete -c keyctl -n "__fish_keyctl_using_subcommand help; and not __fish_seen_subcommand_from init unlock lock __agent store org project member service-account key usage audit scan serve man completions help" -f -a "unlock" -d 'Keep the store unlocked for a while (a background agent holds the key in memory)'
complete -c keyctl -n "__fish_keyctl_using_subcommand help; and not __fish_seen_subcommand_from init unlock lock __agent store org project member service-account key usage audit scan serve man completions help" -f -a "lock" -d 'End the unlock agent for this store (at once; later commands ask again)'
complete -c keyctl -n "__fish_keyctl_using_subcommand help; and not __fish_seen_subcommand_from init unlock lock __agent store org project member service-account key usage audit scan serve man completions help" -f -a "__agent" -d 'The unlock agent itself (started by `keyctl unlock`)'
complete -c keyctl -n "__fish_keyctl_using_subcommand help; and not __fish_seen_subcommand_from init unlock lock __agent store org project member service-account key usage audit scan serve man completions help" -f -a "store" -d 'Inspect and maintain the store: unlock slots, integrity'
complete -c keyctl -n "__fish_keyctl_using_subcommand help; and not __fish_seen_subcommand_from init unlock lock __agent store org project member service-account key usage audit scan serve man completions help" -f -a "org" -d 'Manage organizations'
complete -c keyctl -n "__fish_keyctl_using_subcommand help; and not __fish_seen_subcommand_from init unlock lock __agent store org project member service-account key usage audit scan serve man completions help" -f -a "project" -d 'Manage projects'
complete -c keyctl -n "__fish_keyctl_using_subcommand help; and not __fish_seen_subcommand_from init unlock lock __agent store org project member service-account key usage audit scan serve man completions help" -f -a "member" -d 'Manage members and their roles'
complete -c keyctl -n "__fish_keyctl_using_subcommand help; and not __fish_seen_subcommand_from init unlock lock __agent store org project member service-account key usage audit scan serve man completions help" -f -a "service-account" -d 'Manage service accounts (machine principals of one project)'
complete -c keyctl -n "__fish_keyctl_using_subcommand help; and not __fish_seen_subcommand_from init unlock lock __agent store org project member service-account key usage audit scan serve man completions help" -f -a "key" -d 'Issue, inspect, rotate, revoke and verify API keys'
complete -c keyctl -n "__fish_keyctl_using_subcommand help; and not __fish_seen_subcommand_from init unlock lock __agent store org project member service-account key usage audit scan serve man completions help" -f -a "usage" -d 'Report requests and cost by day, key or project'
complete -c keyctl -n "__fish_keyctl_using_subcommand help; and not __fish_seen_subcommand_from init unlock lock __agent store org project member service-account key usage audit scan serve man completions help" -f -a "audit" -d 'Read and verify the audit log'
complete -c keyctl -n "__fish_keyctl_using_subcommand help; and not __fish_seen_subcommand_from init unlock lock __agent store org project member service-account key usage audit scan serve man completions help" -f -a "scan" -d 'Find keys in files and say which are live in this store (exit 10 if any)'
complete -c keyctl -n "__fish_keyctl_using_subcommand help; and not __fish_seen_subcommand_from init unlock lock __agent store org project member service-account key usage audit scan serve man completions help" -f -a "serve" -d 'Verify keys over HTTP: a JSON route for API servers, forward-auth for reverse proxies'
complete -c keyctl -n "__fish_keyctl_using_subcommand help; and not __fish_seen_subcommand_from init unlock lock __agent store org project member service-account key usage audit scan serve man completions help" -f -a "man" -d 'Print the man page (or write every page with --out-dir)'
complete -c keyctl -n "__fish_keyctl_using_subcommand help; and not __fish_seen_subcommand_from init unlock lock __agent store org project member service-account key usage audit scan serve man completions help" -f -a "completions" -d 'Print a shell completion script'
complete -c keyctl -n "__fish_keyctl_using_subcommand help; and not __fish_seen_subcommand_from init unlock lock __agent store org project member service-account key usage audit scan serve man completions help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keyctl -n "__fish_keyctl_using_subcommand help; and __fish_seen_subcommand_from store" -f -a "info" -d 'Show the store\'s path, schema, slots and counts'
complete -c keyctl -n "__fish_keyctl_using_subcommand help; and __fish_seen_subcommand_from store" -f -a "check" -d 'Authenticate every row and the audit chain; exit 4 naming what failed'
complete -c keyctl -n "__fish_keyctl_using_subcommand help; and __fish_seen_subcommand_from store" -f -a "passwd" -d 'Change the passphrase (new one from a prompt or KEYCTL_NEW_PASSPHRASE)'
complete -c keyctl -n "__fish_keyctl_using_subcommand help; and __fish_seen_subcommand_from store" -f -a "add-key" -d 'Add a named store key (an unlock slot for machines); printed once'
complete -c keyctl -n "__fish_keyctl_using_subcommand help; and __fish_seen_subcommand_from store" -f -a "keys" -d 'List unlock slots'
complete -c keyctl -n "__fish_keyctl_using_subcommand help; and __fish_seen_subcommand_from store" -f -a "remove-key" -d 'Remove an unlock slot; its secret stops working at once'
complete -c keyctl -n "__fish_keyctl_using_subcommand help; and __fish_seen_subcommand_from store" -f -a "backup" -d 'Write a consistent copy of the store (0600, with its unlock slots), online'
complete -c keyctl -n "__fish_keyctl_using_subcommand help; and __fish_seen_subcommand_from store" -f -a "copy" -d 'Copy the whole store to a new file or PostgreSQL schema (same passphrase and store keys), then check the copy'
complete -c keyctl -n "__fish_keyctl_using_subcommand help; and __fish_seen_subcommand_from store" -f -a "rekey" -d 'A new data key: everything re-sealed, the passphrase slot re-wrapped, every store key re-issued'
complete -c keyctl -n "__fish_keyctl_using_subcommand help; and __fish_seen_subcommand_from store" -f -a "restore" -d 'Put a backup back in place of the store, on purpose (moves the rollback anchor)'
complete -c keyctl -n "__fish_keyctl_using_subcommand help; and __fish_seen_subcommand_from org" -f -a "create" -d 'Create an organization (with its default project)'
complete -c keyctl -n "__fish_keyctl_using_subcommand help; and __fish_seen_subcommand_from org" -f -a "list" -d 'List organizations'
complete -c keyctl -n "__fish_keyctl_using_subcommand help; and __fish_seen_subcommand_from org" -f -a "show" -d 'Show an organization [default: the current one]'
complete -c keyctl -n "__fish_keyctl_using_subcommand help; and __fish_seen_subcommand_from org" -f -a "rename" -d 'Rename an organization'
complete -c keyctl -n "__fish_keyctl_using_subcommand help; and __fish_seen_subcommand_from org" -f -a "upgrade" -d 'Turn a personal organization into a team organization'
complete -c keyctl -n "__fish_keyctl_using_subcommand help; and __fish_seen_subcommand_from org" -f -a "use" -d 'Make ORG the default for later commands (saved in the config file)'
complete -c keyctl -n "__fish_keyctl_using_subcommand help; and __fish_seen_subcommand_from org" -f -a "delete" -d 'Delete an organization and everything in it (asks for confirmation)'
complete -c keyctl -n "__fish_keyctl_using_subcommand help; and __fish_seen_subcommand_from project" -f -a "create" -d 'Create a project in the current organization'
complete -c keyctl -n "__fish_keyctl_using_subcommand help; and __fish_seen_subcommand_from project" -f -a "list" -d 'List active projects (all with --all)'
complete -c keyctl -n "__fish_keyctl_using_subcommand help; and __fish_seen_subcommand_from project" -f -a "show" -d 'Show a project'
complete -c keyctl -n "__fish_keyctl_using_subcommand help; and __fish_seen_subcommand_from project" -f -a "rename" -d 'Rename a project (the default project too)'
complete -c keyctl -n "__fish_keyctl_using_subcommand help; and __fish_seen_subcommand_from project" -f -a "archive" -d 'Archive a project: its keys stop verifying (PROJECT_ARCHIVED) until unarchived'
complete -c keyctl -n "__fish_keyctl_using_subcommand help; and __fish_seen_subcommand_from project" -f -a "unarchive" -d 'Unarchive a project: its keys work again'
complete -c keyctl -n "__fish_keyctl_using_subcommand help; and __fish_seen_subcommand_from project" -f -a "delete" -d 'Delete a project and revoke its keys (asks for confirmation)'
complete -c keyctl -n "__fish_keyctl_using_subcommand help; and __fish_seen_subcommand_from project" -f -a "limits" -d 'Show or set a project\'s limits (0 removes one limit, --clear all)'
complete -c keyctl -n "__fish_keyctl_using_subcommand help; and __fish_seen_subcommand_from member" -f -a "add" -d 'Add a member (org-wide role with --role; a project role with --project and --role)'
complete -c keyctl -n "__fish_keyctl_using_subcommand help; and __fish_seen_subcommand_from member" -f -a "list" -d 'List members (with --project: those with a role there)'
complete -c keyctl -n "__fish_keyctl_using_subcommand help; and __fish_seen_subcommand_from member" -f -a "show" -d 'Show one member'
complete -c keyctl -n "__fish_keyctl_using_subcommand help; and __fish_seen_subcommand_from member" -f -a "set-role" -d 'Change a member\'s org-wide role, or its role in one project'
complete -c keyctl -n "__fish_keyctl_using_subcommand help; and __fish_seen_subcommand_from member" -f -a "remove" -d 'Remove a member from the org (revokes their keys) or from one project'
complete -c keyctl -n "__fish_keyctl_using_subcommand help; and __fish_seen_subcommand_from service-account" -f -a "create" -d 'Create a service account and print its first key (once)'
complete -c keyctl -n "__fish_keyctl_using_subcommand help; and __fish_seen_subcommand_from service-account" -f -a "list" -d 'List service accounts (in one project with --project)'
complete -c keyctl -n "__fish_keyctl_using_subcommand help; and __fish_seen_subcommand_from service-account" -f -a "show" -d 'Show a service account'
complete -c keyctl -n "__fish_keyctl_using_subcommand help; and __fish_seen_subcommand_from service-account" -f -a "delete" -d 'Delete a service account and revoke its keys'
complete -c keyctl -n "__fish_keyctl_using_subcommand help; and __fish_seen_subcommand_from key" -f -a "create" -d 'Issue a key; the secret is printed once, on stdout, and never again'
complete -c keyctl -n "__fish_keyctl_using_subcommand help; and __fish_seen_subcommand_from key" -f -a "list" -d 'List keys (redacted), in the org or one project'
complete -c keyctl -n "__fish_keyctl_using_subcommand help; and __fish_seen_subcommand_from key" -f -a "show" -d 'Show one key (redacted)'
complete -c keyctl -n "__fish_keyctl_using_subcommand help; and __fish_seen_subcommand_from key" -f -a "update" -d 'Change a key\'s name, permission, scopes or expiry'
complete -c keyctl -n "__fish_keyctl_using_subcommand help; and __fish_seen_subcommand_from key" -f -a "disable" -d 'Turn a key off until `key enable`: verify answers DISABLED (it still expires and can be revoked)'
complete -c keyctl -n "__fish_keyctl_using_subcommand help; and __fish_seen_subcommand_from key" -f -a "enable" -d 'Turn a disabled key back on'
complete -c keyctl -n "__fish_keyctl_using_subcommand help; and __fish_seen_subcommand_from key" -f -a "revoke" -d 'Revoke a key at once'
complete -c keyctl -n "__fish_keyctl_using_subcommand help; and __fish_seen_subcommand_from key" -f -a "rotate" -d 'Issue a successor with the same settings; the old key works for --grace, then stops'
complete -c keyctl -n "__fish_keyctl_using_subcommand help; and __fish_seen_subcommand_from key" -f -a "prune" -d 'Delete revoked and expired keys whose end is older than --older-than'
complete -c keyctl -n "__fish_keyctl_using_subcommand help; and __fish_seen_subcommand_from key" -f -a "verify" -d 'Check a key (from stdin, or --from-env VAR); exit 0 valid, 10 rejected'
complete -c keyctl -n "__fish_keyctl_using_subcommand help; and __fish_seen_subcommand_from audit" -f -a "list" -d 'List audit entries, oldest first'
complete -c keyctl -n "__fish_keyctl_using_subcommand help; and __fish_seen_subcommand_from audit" -f -a "verify" -d 'Check the whole chain; exit 4 naming the first bad entry'
