# venvsync completion for tcsh:   eval `venvsync completion tcsh`
# Candidates come from `venvsync __complete`, which reads only the manifest (no Python starts).
# eval joins the lines: every command ends with ';', and these comments are not printed.
set __venvsync_exe = __VENVSYNC_EXE__ ;
complete venvsync 'n/-f/f/' 'n/--file/f/' 'n/-C/d/' 'p/*/`$__venvsync_exe:q __complete --tcsh`/' ;
complete workon 'p/1/`$__venvsync_exe:q __complete --tcsh --workon`/' ;
